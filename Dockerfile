FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e '.[server,flower]'
ENV PYTHONUNBUFFERED=1
EXPOSE 8989
CMD ["wfq", "server", "--host", "0.0.0.0"]
