# gunicorn settings for scripts/bench (thaw bench --reference-server). thaw bench times each worker
# from the signal (TTIN, or SIGKILL of a worker) to the line post_worker_init prints below: the
# moment the forked worker is initialised and about to accept.
import sys

preload_app = True
worker_class = "sync"
timeout = 60
graceful_timeout = 5
accesslog = None


def post_worker_init(worker):
    print(f"gunicorn: worker ready pid={worker.pid}", file=sys.stderr, flush=True)
