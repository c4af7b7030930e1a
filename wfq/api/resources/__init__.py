"""One module per Mistral resource; each has `register(api, ctx, models)` adding its Namespace."""
