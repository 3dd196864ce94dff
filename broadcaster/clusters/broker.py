"""The station's Mosquitto: its password and ACL files, its config, and a reload by SIGHUP.

Accounts are plain files, not the dynamic-security plugin: a password file and an ACL file are
auditable with `cat`, are written atomically by the station, and need no admin client holding
a connection to the broker (docs/installation.md "Running Mosquitto as a system service").

Every cluster is one broker user named after the cluster; the ACL gives agents their rights
by `pattern` lines with `%u`, so adding a cluster adds one password line and no ACL line.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
from pathlib import Path

from broadcaster.clock import utc_now
from broadcaster.clusters.wire import MAX_MESSAGE, PREFIX
from broadcaster.errors import Code, DetailError

PASSWORD_FILE = "passwords"
ACL_FILE = "acl"
CONFIG_FILE = "mosquitto.conf"
PID_FILE = "mosquitto.pid"
PERSISTENCE_DIR = "data"
# The station's own session queues the reports of every cluster while the station is away.
# Two days of a busy installation: 50 clusters x 100 bulletins a day x 2 reports (started,
# final) x 2 days = 20,000; five times that leaves room for retries, health and a larger town.
# Measured (tests/benchmarks/broker_queue.py): 100,000 queued reports of 381 bytes take some
# 75 MB of broker memory and a 51 MB persistence file; past the limit Mosquitto drops new
# messages for the station while still acknowledging them to the agents.
MAX_QUEUED_MESSAGES = 100_000
MAX_PACKET = 2 * MAX_MESSAGE  # a full programme and its MQTT header always fit

# Mosquitto 2.0's `$7$` hash (mosquitto_passwd's default): PBKDF2-HMAC-SHA512, 101 rounds,
# a 12-byte salt, salt and hash in standard base64.
_ITERATIONS = 101
_SALT_BYTES = 12


class BrokerError(DetailError):
    """A broker file or process that cannot be handled: the sentence says why and what to do."""

    code = Code.CONFIG


def password_line(user: str, password: str, *, salt: bytes | None = None) -> str:
    """One line of Mosquitto's password file for `user` (no newline)."""
    _check_user(user)
    salt = secrets.token_bytes(_SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    b64 = base64.b64encode
    return f"{user}:$7${_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def _check_user(user: str) -> None:
    """A broker user name fit for a topic level and a password file line."""
    if not user or any(c in user for c in ":/+#\n\r\x00 ") or len(user) > 64:
        raise BrokerError(f"{user!r} cannot be a broker user name.")


def acl_text(station_user: str, prefix: str = PREFIX) -> str:
    """The ACL: the station reads reports and health and writes programmes and emergencies;
    every other account (an agent) reads and writes only its own topics."""
    _check_user(station_user)
    return (
        "# Written by broadcaster: the station account, then every cluster by pattern.\n"
        f"user {station_user}\n"
        f"topic read {prefix}/report/+\n"
        f"topic read {prefix}/health/+\n"
        f"topic write {prefix}/programme/+\n"
        f"topic write {prefix}/emergency/+\n"
        "\n"
        f"pattern read {prefix}/programme/%u\n"
        f"pattern read {prefix}/emergency/%u\n"
        f"pattern read {prefix}/emergency/*\n"
        f"pattern write {prefix}/report/%u\n"
        f"pattern write {prefix}/health/%u\n"
    )


def write_accounts(
    folder: Path,
    station_user: str,
    station_password_line: str,
    agents: list[tuple[str, str]],
    prefix: str = PREFIX,
) -> None:
    """Write the password file (station + enabled clusters) and the ACL file, atomically, 0600.

    `agents` are (cluster name, password_line) of the clusters that may connect; a disabled
    cluster is left out and is refused once the broker reloads (`reload`).
    """
    lines = [station_password_line]
    seen = {station_user}
    for name, line in agents:
        _check_user(name)
        if name in seen:
            raise BrokerError(f"Broker user {name!r} is given twice.")
        if not line.startswith(f"{name}:"):
            raise BrokerError(f"The password line given for {name!r} names another user.")
        seen.add(name)
        lines.append(line)
    if not station_password_line.startswith(f"{station_user}:"):
        raise BrokerError(f"The station's password line does not name {station_user!r}.")
    folder.mkdir(parents=True, exist_ok=True)
    write_private(folder / PASSWORD_FILE, "".join(f"{line}\n" for line in lines))
    write_private(folder / ACL_FILE, acl_text(station_user, prefix))


def write_private(path: Path, text: str | bytes) -> None:
    """Replace `path` atomically with a file only its owner can read (mode 0600)."""
    data = text.encode() if isinstance(text, str) else text
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def mosquitto_config(
    folder: Path,
    *,
    port: int = 8883,
    bind: str = "",
    cafile: Path | None = None,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    user: str | None = None,
    max_queued_messages: int = MAX_QUEUED_MESSAGES,
    client_expiration: str = "14d",
) -> str:
    """A mosquitto.conf for the station's broker, reading its files from `folder`.

    With no certificate the listener is plain MQTT (tests on loopback only). `user` is the
    system account Mosquitto drops to when started as root: the one that owns these 0600 files
    (it reads them again on every reload, after dropping). A cluster that stays away longer
    than `client_expiration` loses its queued session, not its account.
    """
    folder = folder.resolve()
    listener = f"listener {port} {bind}".rstrip()
    lines = [
        "# Written by `broadcaster broker setup`; the accounts are in the files below.",
        *([f"user {user}"] if user else []),
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {folder / PASSWORD_FILE}",
        f"acl_file {folder / ACL_FILE}",
        f"pid_file {folder / PID_FILE}",
        "persistence true",
        f"persistence_location {folder / PERSISTENCE_DIR}/",
        "autosave_interval 60",
        f"persistent_client_expiration {client_expiration}",
        f"max_queued_messages {max_queued_messages}",
        "max_inflight_messages 20",
        f"max_packet_size {MAX_PACKET}",
        "",
        listener,
        "protocol mqtt",
    ]
    if certfile is not None:
        if cafile is None or keyfile is None:
            raise BrokerError("A TLS listener needs the CA file, the certificate and its key.")
        lines += [
            f"cafile {cafile.resolve()}",
            f"certfile {certfile.resolve()}",
            f"keyfile {keyfile.resolve()}",
            "require_certificate false",
            "tls_version tlsv1.2",
        ]
    return "\n".join(lines) + "\n"


def reload(folder: Path) -> None:
    """Ask the running broker to read its password and ACL files again (SIGHUP)."""
    pid_file = folder / PID_FILE
    start_it = (
        f"start Mosquitto with {folder / CONFIG_FILE}, it reads the new accounts when it starts."
    )
    try:
        pid = int(pid_file.read_text().strip())
    except FileNotFoundError:
        raise BrokerError(
            f"No broker runs from {folder}: {pid_file} is missing; {start_it}"
        ) from None
    except ValueError:
        raise BrokerError(f"{pid_file} does not hold a process id.") from None
    ended = BrokerError(
        f"No broker runs from {folder}: process {pid} in {pid_file} has ended; {start_it}"
    )
    # A pid file left by a broker that was killed may name a process that took the number
    # since (the station's daemon, say): SIGHUP would end it. Linux says what runs there.
    if Path("/proc/self/comm").exists():
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except FileNotFoundError:
            raise ended from None
        if name != "mosquitto":
            raise BrokerError(
                f"No broker runs from {folder}: process {pid} in {pid_file} is {name}, not "
                f"Mosquitto (the file is left from a broker that was killed); {start_it}"
            )
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ended from None
    except PermissionError:
        raise BrokerError(
            f"Not allowed to signal the broker (process {pid}); run `systemctl reload "
            "mosquitto` or reload it as its owner."
        ) from None


# -- the installation's CA and the broker's certificate ----------------------------------------
CA_CERT, CA_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "server.crt", "server.key"
CA_YEARS, SERVER_YEARS = 10, 10


def make_ca(folder: Path, name: str = "Broadcaster installation CA") -> Path:
    """A self-signed CA valid ten years: `ca.crt` (give it to every agent) and `ca.key` (0600)."""
    from datetime import timedelta  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = utc_now() - timedelta(hours=1)  # valid from a little before now
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    write_private(folder / CA_KEY, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip
    (folder / CA_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder / CA_CERT


def issue_server_certificate(folder: Path, names_and_ips: list[str]) -> tuple[Path, Path]:
    """The broker's certificate for these host names and IP addresses, signed by the CA in
    `folder`: (`server.crt`, `server.key` 0600)."""
    import ipaddress  # noqa: PLC0415
    from datetime import timedelta  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415

    if not names_and_ips:
        raise BrokerError("The broker's certificate needs at least one host name or IP address.")
    try:
        ca_cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        ca_key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), None)
    except FileNotFoundError:
        if (folder / CA_CERT).exists():
            raise BrokerError(
                f"The CA's key {folder / CA_KEY} is missing: restore it from the backup, or "
                f"delete {folder / CA_CERT} to make a new CA (every cluster then needs the new "
                "ca.crt)."
            ) from None
        raise BrokerError(f"No CA in {folder}: run `broadcaster broker setup` first.") from None
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise BrokerError(f"{folder / CA_KEY} is not the key `broadcaster broker setup` made.")
    alternative: list[x509.GeneralName] = []
    for item in names_and_ips:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(item)))
        except ValueError:
            alternative.append(x509.DNSName(item))
    key = ec.generate_private_key(ec.SECP256R1())
    start = utc_now() - timedelta(hours=1)  # valid from a little before now
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names_and_ips[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * SERVER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_private(folder / SERVER_KEY, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip
    (folder / SERVER_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder / SERVER_CERT, folder / SERVER_KEY


def existing_agents(folder: Path, station_user: str) -> list[tuple[str, str]]:
    """The clusters' lines already in the password file (name, line), the station's left out:
    setting the broker up again keeps every cluster's account."""
    try:
        text = (folder / PASSWORD_FILE).read_text()
    except FileNotFoundError:
        return []
    found = []
    for line in text.splitlines():
        name = line.partition(":")[0]
        if line.strip() and not line.startswith("#") and name != station_user:
            found.append((name, line))
    return found
