"""Operations: Prometheus metrics, JSON logs, request ids."""
