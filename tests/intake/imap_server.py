"""A private Dovecot IMAP server for the tests (Debian's dovecot-imapd): its own configuration, mail and port in a
temporary folder, started as a child process and stopped after the test. No mock: imaplib talks to a real server."""

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "complaints", "secret-for-tests"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ImapServer:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.user, self.password = USER, PASSWORD
        self.process: subprocess.Popen | None = None

    def start(self) -> "ImapServer":
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                "The IMAP tests need Debian's Dovecot: apt-get install -y dovecot-imapd (no dovecot binary found)"
            )
        me = pwd.getpwuid(os.getuid())
        if os.getuid() == 0:  # Dovecot will not run mail or logins as root: its own users (made by the package)
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
        else:
            internal = login = me.pw_name
            mail_user = me
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("mail", "home"):
            shutil.chown(self.root / sub, mail_user.pw_uid, mail_user.pw_gid)
        os.chmod(self.root, 0o755)  # noqa: S103 - Dovecot's own users read the config and passwd file
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                internal=internal,
                internal_group=internal if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name,
                login=login,
                uid=mail_user.pw_uid,
                gid=mail_user.pw_gid,
            )
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and config
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
                raise RuntimeError(f"Dovecot did not start:\n{output}\n{log}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("Dovecot did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
