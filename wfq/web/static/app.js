// wfq web page: the token field and the hash router (#/ and #/executions/<id>).
"use strict";

(() => {
  const view = document.getElementById("view");
  let stop = null;

  function route() {
    if (stop) stop();
    const hash = window.location.hash || "#/";
    const match = hash.match(/^#\/executions\/([^/?]+)/);
    if (match) {
      stop = ExecutionView.mount(view, decodeURIComponent(match[1]));
      document.title = "wfq · execution";
    } else {
      const query = hash.includes("?") ? hash.slice(hash.indexOf("?") + 1) : "";
      stop = ListView.mount(view, new URLSearchParams(query));
      document.title = "wfq · executions";
    }
  }

  function setupToken() {
    const form = document.getElementById("token-form");
    const input = document.getElementById("token");
    const saved = document.getElementById("token-saved");
    input.value = Api.token();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      Api.setToken(input.value.trim());
      saved.textContent = input.value.trim() ? "token saved" : "token cleared";
      setTimeout(() => { saved.textContent = ""; }, 2000);
      route();
    });
  }

  window.addEventListener("hashchange", route);
  setupToken();
  route();
})();
