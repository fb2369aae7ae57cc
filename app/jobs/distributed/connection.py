"""One way to connect to Redis for the job store and the queue alike."""

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

# redis-py retries a command that lost its connection with growing pauses, about ten seconds
# in all: a Redis restart or a managed database's failover is ridden out by the library.
RETRIES = 8
TIMEOUT_SECONDS = 5.0


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
        health_check_interval=30,
    )
