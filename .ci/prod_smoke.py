"""The production shape, started without Docker on 127.0.0.1, and tried as an operator and a user would.

gunicorn (deploy/gunicorn.conf.py) behind Caddy (deploy/Caddyfile) with a throw-away certificate, a Celery worker and
beat, PostgreSQL (a database of its own) and a private redis-server on a free port that this script starts itself
(never the machine's shared one). Then:

1. the company is created with ``manage.py setup_company``;
2. the admin logs in over HTTPS (verified against the throw-away CA), adds a front-line clerk in /config/, and the
   clerk files a complaint;
3. the admin presses "Recompute now"; while the job runs (held at a row lock this script takes), the worker is
   SIGKILLed (its whole process group, as ``docker kill`` does) and Redis is restarted empty;
4. /healthz must answer 503 while the worker is gone; the worker is started again, and the recomputation must be
   done exactly once (one classification run, the job done) within a minute of its return.

Run by .ci/run with the project's virtualenv: ``.venv/bin/python .ci/prod_smoke.py``. Exits non-zero on failure,
printing the processes' logs.
"""

import html
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
PROBE_SECONDS = 3

started: dict[str, subprocess.Popen] = {}
logs: dict[str, Path] = {}


def say(message: str) -> None:
    print(f"[prod-smoke {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 - keep trying until the deadline
            result, last = None, exc
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last!r})")


class Smoke:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.db = f"crm_prod_smoke_{os.getpid()}"
        self.redis_port = free_port()
        self.web_port = free_port()
        self.https_port = free_port()
        self.http_port = free_port()
        self.base = f"https://localhost:{self.https_port}"
        self.admin_password = secrets.token_urlsafe(16)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "crm_site.settings.prod",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DATABASE_URL": f"{PG}/{self.db}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CRM_VAR_DIR": str(tmp / "var"),
            "TRUSTED_PROXIES": "127.0.0.1",
            "WORKER_PROBE_INTERVAL_SECONDS": str(PROBE_SECONDS),
            "JOB_POLL_SECONDS": "3",
            "JOB_STALE_SECONDS": "5",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "GUNICORN_WORKERS": "2",
            "PYTHONUNBUFFERED": "1",
        }

    # --- processes -----------------------------------------------------------------------------------------------

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        logs[name] = log
        handle = open(log, "ab")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=ROOT, env=env or self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        started[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = started.pop(name, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def manage(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
        )
        wait_for(
            "redis", lambda: socket.create_connection(("127.0.0.1", self.redis_port), timeout=1).close() or True, 20
        )

    def start_worker(self) -> None:
        self.start("worker", [str(VENV_BIN / "celery"), "-A", "crm_site", "worker", "-l", "INFO", "-c", "2"])

    def certificate(self) -> tuple[Path, Path, Path]:
        """A throw-away CA and a certificate for localhost signed by it (what an intranet's IT would hand out)."""
        ca_key, ca, key, csr, cert = (self.tmp / n for n in ("ca.key", "ca.pem", "key.pem", "req.csr", "cert.pem"))
        run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731, S603, S607
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=CRM smoke test CA")  # fmt: skip
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
        ext = self.tmp / "ext.cnf"
        ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
            "-extfile", ext)  # fmt: skip
        return ca, cert, key

    # --- the database, directly (what an operator would look at with psql) ---------------------------------------

    def sql(self, query: str, *params):
        with psycopg2.connect(f"{PG}/{self.db}") as conn, conn.cursor() as cur:
            cur.execute(query, params)
            rows = cur.fetchall()
        conn.close()
        return rows

    # --- the steps -----------------------------------------------------------------------------------------------

    def run(self) -> None:
        say(f"database {self.db}, private redis on {self.redis_port}, gunicorn on {self.web_port}, {self.base}")
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", self.db], check=True)  # noqa: S603, S607
        self.start_redis()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        out = self.manage(
            "setup_company",
            "--admin-username", "it-admin", "--admin-email", "it@example.com",
            "--branch", "HQ=Head office", "--department", "Customer service",
            env={"SETUP_ADMIN_PASSWORD": self.admin_password},
        )  # fmt: skip
        say("setup_company: " + " / ".join(line.strip() for line in out.splitlines() if line.strip())[:300])
        # Twice is safe: nothing new, the password kept.
        self.manage(
            "setup_company", "--admin-username", "it-admin", "--admin-email", "it@example.com",
            "--branch", "HQ=Head office", "--department", "Customer service",
        )  # fmt: skip
        assert self.sql("SELECT count(*) FROM org_branch")[0][0] == 1

        ca, cert, key = self.certificate()
        self.start("web", [str(VENV_BIN / "gunicorn"), "crm_site.wsgi:application", "-c", "deploy/gunicorn.conf.py"])
        self.start_worker()
        self.start("beat", [str(VENV_BIN / "celery"), "-A", "crm_site", "beat", "-l", "INFO",
                            "-s", str(self.tmp / "beat-schedule")])  # fmt: skip
        caddy_env = {
            **os.environ,
            "SITE_ADDRESS": "localhost",
            "TLS": f"{cert} {key}",
            "UPSTREAM": f"127.0.0.1:{self.web_port}",
            "HTTP_PORT": str(self.http_port),
            "HTTPS_PORT": str(self.https_port),
            "XDG_DATA_HOME": str(self.tmp / "caddy-data"),
            "XDG_CONFIG_HOME": str(self.tmp / "caddy-config"),
        }
        self.start("caddy", ["caddy", "run", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"], env=caddy_env)

        self.tls = ssl.create_default_context(cafile=str(ca))
        status = wait_for("/healthz 200 through the proxy", lambda: self.healthz()[0] == 200 or None, 90)
        say(f"/healthz through HTTPS: {status}; the worker answered its start-up probe")

        self.check_https()
        admin = self.login("it-admin", self.admin_password)
        clerk_password = secrets.token_urlsafe(14)
        self.add_clerk(admin, "clerk1", clerk_password)
        clerk = self.login("clerk1", clerk_password)
        number = self.file_complaint(clerk)
        say(f"the clerk filed complaint {number} over HTTPS")

        self.worker_killed_mid_task(admin)
        self.backup_and_restore(number)

    def healthz(self) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + "/healthz")  # noqa: S310 - https, built here
        try:
            with urllib.request.urlopen(request, context=self.tls, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def check_https(self) -> None:
        # Plain HTTP only redirects to HTTPS.
        conn = socket.create_connection(("127.0.0.1", self.http_port), timeout=5)
        conn.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head = conn.recv(4096).decode("latin-1")
        conn.close()
        assert head.split()[1] in ("301", "308") and "https://localhost" in head, head
        with urllib.request.urlopen(self.base + "/accounts/login/", context=self.tls, timeout=10) as response:  # noqa: S310
            headers = response.headers
        assert "max-age=31536000" in headers.get("Strict-Transport-Security", ""), headers
        cookies = headers.get_all("Set-Cookie") or []
        assert cookies and all("Secure" in c for c in cookies), cookies
        assert "default-src 'self'" in headers.get("Content-Security-Policy", ""), headers
        say("HTTPS: plain HTTP redirects, HSTS one year, cookies Secure, CSP set")

    def session(self) -> urllib.request.OpenerDirector:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.tls), urllib.request.HTTPCookieProcessor(jar)
        )
        opener.jar = jar
        return opener

    def get(self, opener, path: str) -> tuple[str, str]:
        with opener.open(self.base + path, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def post(self, opener, path: str, page: str, data: dict) -> tuple[str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})  # noqa: S310
        try:
            with opener.open(request, timeout=60) as response:
                return response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"POST {path}: {exc.code}\n{exc.read().decode()[:3000]}") from exc

    def login(self, username: str, password: str):
        opener = self.session()
        _, page = self.get(opener, "/accounts/login/")
        url, page = self.post(opener, "/accounts/login/", page, {"username": username, "password": password})
        assert not url.rstrip("/").endswith("/accounts/login"), f"{username} could not log in:\n{page[:2000]}"
        say(f"{username} logged in over HTTPS (landed on {urllib.parse.urlparse(url).path})")
        return opener

    def add_clerk(self, admin, username: str, password: str) -> None:
        _, page = self.get(admin, "/config/auth/user/add/")
        branch = re.search(r'<select[^>]*\bname="branch"[^>]*>.*?<option value="(\d+)"', page, re.S).group(1)
        url, page = self.post(
            admin,
            "/config/auth/user/add/",
            page,
            {
                "username": username,
                "usable_password": "true",
                "password1": password,
                "password2": password,
                "role": "frontline",
                "branch": branch,
                "department": "",
                "_save": "Save",
            },
        )
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
        assert not errors and "/add/" not in url, f"adding the clerk failed: {errors}\n{url}"
        say(f"the admin added front-line clerk {username} in /config/ (one form: login, role, branch)")

    def file_complaint(self, clerk) -> str:
        _, page = self.get(clerk, "/complaints/new/")

        def first_option(name: str) -> str:
            select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, re.S)
            if select:
                return next(v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v)
            radio = re.search(rf'<input[^>]*type="radio"[^>]*name="{name}"[^>]*value="([^"]+)"', page)
            assert radio, f"no choice named {name} on the intake form"
            return radio.group(1)

        url, page = self.post(
            clerk,
            "/complaints/new/",
            page,
            {
                "customer": "",
                "new_customer_name": "Li Na",
                "new_customer_phone": "13800138000",
                "channel": first_option("channel"),
                "occurred_at": datetime.now().strftime("%Y-%m-%dT%H:%M"),
                "location": "Head office",
                "customer_words": "The water heater was installed wrong and leaks.",
                "customer_request": "Fix it this week.",
                "category": first_option("category"),
                "severity": first_option("severity"),
                "priority": first_option("priority"),
            },
        )
        assert re.search(r"/complaints/\d+/$", url), f"no complaint page after filing: {url}\n{page[:3000]}"
        registered = re.search(r"Complaint (\S+) registered", page)
        assert registered, f"no 'registered' message on {url}:\n{page[:3000]}"
        number = html.unescape(registered.group(1))
        assert self.sql("SELECT count(*) FROM complaints_complaint WHERE number = %s", number)[0][0] == 1
        return number

    def worker_killed_mid_task(self, admin) -> None:
        runs_before = self.sql("SELECT count(*) FROM customers_classificationrun")[0][0]
        # Hold the value-matrix settings row: the recomputation stops there, mid-task, until we let go.
        lock = psycopg2.connect(f"{PG}/{self.db}")
        lock.autocommit = False
        lock.cursor().execute("SELECT id FROM customers_valuematrixsettings WHERE id = 1 FOR UPDATE")
        _, page = self.get(admin, "/customers/matrix/")
        self.post(admin, "/customers/matrix/recompute/", page, {})
        job_id, state = wait_for(
            "the worker to start the recomputation",
            lambda: next(
                iter(
                    self.sql("SELECT id, state FROM jobs_job WHERE kind = 'customers.recompute' AND state = 'running'")
                ),
                None,
            ),  # fmt: skip
            30,
        )
        say(f"job {job_id} is {state}, held mid-task; SIGKILL the worker's process group")
        self.kill("worker", signal.SIGKILL)
        lock.rollback()
        lock.close()
        say("restart the private Redis (empty: the job's message is gone with it)")
        self.kill("redis", signal.SIGKILL)
        self.start_redis()
        killed_at = time.monotonic()
        status, body = wait_for("/healthz 503 with the worker gone", lambda: (s := self.healthz())[0] == 503 and s, 30)
        assert body.get("worker", {}).get("ok") is False and body.get("database", {}).get("ok") is True, body
        say(f"/healthz said {status} {body['status']} {time.monotonic() - killed_at:.0f} s after the kill "
            f"(worker last seen {body['worker'].get('last_seen')})")  # fmt: skip
        assert self.sql("SELECT state FROM jobs_job WHERE id = %s", job_id)[0][0] == "running"
        assert self.sql("SELECT count(*) FROM customers_classificationrun")[0][0] == runs_before

        for name in ("beat", "web", "caddy"):
            assert started[name].poll() is None, f"{name} exited when Redis restarted (see its log)"
        self.start_worker()
        back = time.monotonic()
        wait_for(
            "the recomputation to be done",
            lambda: self.sql("SELECT state FROM jobs_job WHERE id = %s", job_id)[0][0] == "done",
            60,
        )
        took = time.monotonic() - back
        state, attempts = self.sql("SELECT state, attempts FROM jobs_job WHERE id = %s", job_id)[0]
        runs = self.sql("SELECT count(*) FROM customers_classificationrun")[0][0] - runs_before
        say(f"job {job_id} {state} {took:.0f} s after the worker's return, attempts {attempts}, runs written {runs}")
        assert runs == 1, f"the recomputation ran {runs} times"
        assert attempts == 2, f"{attempts} attempts: the killed one and the one that finished, nothing in between"
        # Let any stray delivery arrive, then check again: still once.
        time.sleep(8)
        assert self.sql("SELECT count(*) FROM customers_classificationrun")[0][0] - runs_before == 1
        wait_for("/healthz 200 again", lambda: self.healthz()[0] == 200, 30)
        say("/healthz is 200 again")

    def backup_and_restore(self, number: str) -> None:
        """The README's backup, restored once into a fresh database: the complaint is there."""
        dump = self.tmp / "crm.dump"
        copy = f"{self.db}_restored"
        pg = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["pg_dump", *pg, "-Fc", "-f", str(dump), self.db], check=True)  # noqa: S603, S607
        subprocess.run(["createdb", *pg, copy], check=True)  # noqa: S603, S607
        try:
            subprocess.run(["pg_restore", *pg, "-d", copy, "--no-owner", str(dump)], check=True)  # noqa: S603, S607
            with psycopg2.connect(f"{PG}/{copy}") as conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM complaints_complaint WHERE number = %s", (number,))
                restored = cur.fetchone()[0]
            conn.close()
        finally:
            subprocess.run(["dropdb", *pg, "--if-exists", copy], check=False)  # noqa: S603, S607
        assert restored == 1, "the restored database lacks the complaint"
        say(f"pg_dump -Fc restored into a fresh database: complaint {number} is there ({dump.stat().st_size} bytes)")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="crm-prod-smoke-"))
    smoke = Smoke(tmp)
    ok = False
    try:
        smoke.run()
        ok = True
        say("production shape: all checks passed")
    except Exception as exc:  # noqa: BLE001 - report, show the logs, fail
        say(f"FAILED: {exc!r}")
        for name, log in logs.items():
            print(f"\n----- {name} log (last 60 lines) -----")
            print("\n".join(log.read_text(errors="replace").splitlines()[-60:]))
    finally:
        for name in list(started):
            smoke.kill(name, signal.SIGTERM if name in ("web", "caddy") else signal.SIGKILL)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", smoke.db], check=False)  # noqa: S603, S607
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(files kept in {tmp})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
