"""What a platform needs to run the service: health and readiness checks, request ids and JSON logs."""
