"""The event listener process (`wfq listener`): takes notifications from RabbitMQ and Redis and
hands them to the event triggers (wfq.services.events). Entry point only, like workers/."""
