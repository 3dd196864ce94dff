"""The broker's files against a real Mosquitto: passwords, the ACL between clusters, TLS with
the installation's CA, accounts added and disabled by a reload, and `broadcaster broker setup`."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import ssl
import stat
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcaster.cli import main
from broadcaster.clusters import broker as files
from broadcaster.clusters.broker import BrokerError, password_line
from tests.broker import (
    READY_WITHIN,
    Address,
    Broker,
    Endpoint,
    Refused,
    connect,
    end,
    free_port,
    require_mosquitto,
    run_mosquitto,
)

# Tests that start Mosquitto (or another process) are `slow`; the files alone are not.

NOT_AUTHORISED = {134, 135}  # MQTT v5 "Bad user name or password", "Not authorized"


def topic(broker: Broker, kind: str, cluster: str) -> str:
    return f"{broker.prefix}/{kind}/{cluster}"


# -- password lines -------------------------------------------------------------------------


@pytest.mark.slow
def test_password_line_is_mosquitto_passwd_format(tmp_path: Path) -> None:
    """Same salt, same line as Mosquitto's own tool: the `$7$` format is byte for byte right."""
    line = password_line("xa-1", "mật khẩu", salt=bytes(range(12)))
    assert re.fullmatch(r"xa-1:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==", line), line
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        require_mosquitto()  # skips, or fails when CI requires the broker
        pytest.fail("mosquitto_passwd is missing although mosquitto is installed")
    theirs = tmp_path / "pw"
    subprocess.run([tool, "-c", "-b", str(theirs), "xa-1", "mật khẩu"], check=True)
    their_line = theirs.read_text().strip()
    salt = base64.b64decode(their_line.split("$")[3])
    assert password_line("xa-1", "mật khẩu", salt=salt) == their_line


def test_bad_user_names_are_refused() -> None:
    """A name that would break a topic level or a password line never reaches the files."""
    for name in ["", "a:b", "a/b", "a+", "#", "a b", "x" * 65]:
        with pytest.raises(BrokerError):
            password_line(name, "pw")


@pytest.mark.slow
def test_generated_password_accepted_wrong_refused(broker: Broker) -> None:
    """A real Mosquitto takes the generated line and refuses a wrong password or unknown user."""
    broker.add_account("xa-1", "dung-mat-khau")
    broker.reload()
    _eventually_connects(broker, "xa-1", "dung-mat-khau")
    with connect(broker, broker.station_user, broker.station_password):
        pass
    for user, password in [("xa-1", "sai-mat-khau"), ("station", "x"), ("nobody", "x")]:
        with pytest.raises(Refused) as refused:
            with connect(broker, user, password):
                pass
        assert refused.value.reason.value in NOT_AUTHORISED, (user, refused.value.reason)


# -- the ACL between clusters ---------------------------------------------------------------


@pytest.mark.slow
def test_agent_reads_its_programme_and_writes_its_report(broker: Broker) -> None:
    """Each direction the design needs works: station → own programme and emergency (retained),
    agent → report and health to the station."""
    broker.add_account("xa-1", "p1")
    broker.reload()
    _eventually_connects(broker, "xa-1", "p1")
    with connect(broker, broker.station_user, broker.station_password) as station:
        assert not station.publish(topic(broker, "programme", "xa-1"), b"P", retain=True).is_failure
        assert not station.publish(topic(broker, "emergency", "xa-1"), b"E", retain=True).is_failure
        assert station.subscribe(f"{broker.prefix}/report/+") == 1
        assert station.subscribe(f"{broker.prefix}/health/+") == 1
        with connect(broker, "xa-1", "p1") as agent:
            assert agent.subscribe(topic(broker, "programme", "xa-1")) == 1
            assert agent.subscribe(topic(broker, "emergency", "xa-1")) == 1
            got = {agent.receive().payload, agent.receive().payload}
            assert got == {b"P", b"E"}
            assert not agent.publish(topic(broker, "report", "xa-1"), b"R").is_failure
            assert not agent.publish(topic(broker, "health", "xa-1"), b"H").is_failure
            received = [station.receive(), station.receive()]
            assert [(m.topic, m.payload) for m in received] == [
                (topic(broker, "report", "xa-1"), b"R"),
                (topic(broker, "health", "xa-1"), b"H"),
            ]


@pytest.mark.slow
def test_agent_never_receives_another_clusters_programme(broker: Broker) -> None:
    """An intruder subscribing to another cluster's topics, by name or by wildcard, gets
    nothing of it: neither the retained programme nor a new one. Its own programme, published
    after, is the first and only thing it receives (so nothing was merely late)."""
    broker.add_account("xa-1", "p1")
    broker.add_account("xa-2", "p2")
    broker.reload()
    _eventually_connects(broker, "xa-2", "p2")
    with connect(broker, broker.station_user, broker.station_password) as station:
        station.publish(topic(broker, "programme", "xa-1"), b"retained-for-1", retain=True)
        with connect(broker, "xa-2", "p2") as intruder:
            for wanted in [
                topic(broker, "programme", "xa-1"),
                topic(broker, "emergency", "xa-1"),
                f"{broker.prefix}/programme/+",
                f"{broker.prefix}/#",
                "#",
            ]:
                intruder.subscribe(wanted)  # refused or granted: what it receives is the test
            station.publish(topic(broker, "programme", "xa-1"), b"new-for-1")
            station.publish(topic(broker, "emergency", "xa-1"), b"emergency-for-1")
            station.publish(topic(broker, "programme", "xa-2"), b"own")
            first = intruder.receive()
            assert (first.topic, first.payload) == (topic(broker, "programme", "xa-2"), b"own")
            # Overlapping subscriptions may deliver its own message more than once; never
            # anything of xa-1.
            while not intruder.messages.empty():
                assert intruder.messages.get().topic == topic(broker, "programme", "xa-2")


@pytest.mark.slow
def test_forged_reports_and_programmes_are_dropped(broker: Broker) -> None:
    """An agent publishing another cluster's report or health, or any programme or emergency
    (even its own), is dropped: the station and the victim see only what follows."""
    broker.add_account("xa-1", "p1")
    broker.add_account("xa-2", "p2")
    broker.reload()
    _eventually_connects(broker, "xa-2", "p2")
    with (
        connect(broker, broker.station_user, broker.station_password) as station,
        connect(broker, "xa-1", "p1") as victim,
        connect(broker, "xa-2", "p2") as intruder,
    ):
        station.subscribe(f"{broker.prefix}/report/+")
        station.subscribe(f"{broker.prefix}/health/+")
        victim.subscribe(topic(broker, "programme", "xa-1"))
        victim.subscribe(topic(broker, "emergency", "xa-1"))
        for kind, cluster in [
            ("report", "xa-1"), ("health", "xa-1"), ("programme", "xa-1"),
            ("emergency", "xa-1"), ("programme", "xa-2"), ("emergency", "xa-2"),
        ]:  # fmt: skip
            refused = intruder.publish(topic(broker, kind, cluster), b"forged", retain=True)
            assert refused.value == 135, (kind, cluster, refused)  # PUBACK "Not authorized"
        intruder.publish(topic(broker, "report", "xa-2"), b"honest")
        first = station.receive()
        assert (first.topic, first.payload) == (topic(broker, "report", "xa-2"), b"honest")
        assert station.messages.empty()
        station.publish(topic(broker, "programme", "xa-1"), b"real")
        assert victim.receive().payload == b"real"
        assert victim.messages.empty()
    # Nothing forged was retained either: a fresh subscriber of xa-1 sees only the real one.
    with connect(broker, "xa-1", "p1") as later:
        later.subscribe(topic(broker, "programme", "xa-1"))
        later.subscribe(topic(broker, "emergency", "xa-1"))
        with connect(broker, broker.station_user, broker.station_password) as station:
            station.publish(topic(broker, "emergency", "xa-1"), b"marker")
        assert later.receive().payload == b"marker"
        assert later.messages.empty()


@pytest.mark.slow
def test_station_cannot_forge_a_report(broker: Broker) -> None:
    """The station account writes programmes only: a report on the wire is always an agent's."""
    broker.add_account("xa-1", "p1")
    broker.add_account("watcher", "pw", acl=[f"read {broker.prefix}/#"])
    broker.reload()
    _eventually_connects(broker, "watcher", "pw")
    with (
        connect(broker, "watcher", "pw") as watcher,
        connect(broker, broker.station_user, broker.station_password) as station,
        connect(broker, "xa-1", "p1") as agent,
    ):
        watcher.subscribe(f"{broker.prefix}/report/+")
        station.publish(topic(broker, "report", "xa-1"), b"forged")
        agent.publish(topic(broker, "report", "xa-1"), b"real")
        assert watcher.receive().payload == b"real"
        assert watcher.messages.empty()


# -- accounts change while the broker runs ----------------------------------------------------


@pytest.mark.slow
def test_account_added_then_reload_connects_without_restart(broker: Broker) -> None:
    """A new cluster is refused until `reload()`; afterwards it connects, same process."""
    pid = broker.process.pid if broker.process else None
    broker.add_account("xa-new", "p")
    with pytest.raises(Refused):
        with connect(broker, "xa-new", "p"):
            pass
    broker.reload()
    _eventually_connects(broker, "xa-new", "p")
    assert broker.process is not None and broker.process.pid == pid and broker.running


@pytest.mark.slow
def test_disabled_cluster_is_refused_after_reload(broker: Broker) -> None:
    """A cluster left out of the password file is refused once the broker reloads, and its
    open connection is closed by that reload; the others keep their access."""
    broker.add_account("xa-1", "p1")
    broker.add_account("xa-2", "p2")
    broker.reload()
    _eventually_connects(broker, "xa-1", "p1")
    assert "xa-1:" in (broker.folder / files.PASSWORD_FILE).read_text()
    with connect(broker, "xa-1", "p1") as disabled:
        broker.remove_account("xa-1")
        assert "xa-1:" not in (broker.folder / files.PASSWORD_FILE).read_text()
        broker.reload()
        _eventually_refused(broker, "xa-1", "p1")
        deadline = time.monotonic() + READY_WITHIN
        while disabled.client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not disabled.client.is_connected()
    with connect(broker, "xa-2", "p2"):
        pass


@pytest.mark.slow
def test_reload_without_a_broker_says_so(tmp_path: Path) -> None:
    """No pid file, or a pid that has ended: one sentence naming the folder, never a traceback."""
    with pytest.raises(BrokerError, match="No broker runs from"):
        files.reload(tmp_path)
    ended = subprocess.Popen(["true"])
    ended.wait()
    (tmp_path / files.PID_FILE).write_text(f"{ended.pid}\n")
    with pytest.raises(BrokerError, match=f"process {ended.pid} .* has ended"):
        files.reload(tmp_path)
    # The number reused by another process (here a sleep standing for the station's daemon):
    # refused, and that process is not sent the SIGHUP that would end it.
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / files.PID_FILE).write_text(f"{other.pid}\n")
        with pytest.raises(BrokerError, match=r"is \S+, not Mosquitto"):
            files.reload(tmp_path)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


@pytest.mark.slow
def test_a_stopped_broker_leaves_no_pid_file(broker: Broker) -> None:
    """Mosquitto removes its pid file when stopped, so `reload` then says no broker runs."""
    assert (broker.folder / files.PID_FILE).exists()
    broker.reload()
    broker.stop()
    with pytest.raises(BrokerError, match="is missing"):
        broker.reload()


@pytest.mark.slow
def test_retained_programme_and_queued_report_survive_a_stopped_broker(broker: Broker) -> None:
    """Broker stopped across a slot: the retained programme and a report queued for the
    station's persistent session are there after `stop()` and `start()` on the same port."""
    broker.add_account("xa-1", "p1")
    broker.reload()
    _eventually_connects(broker, "xa-1", "p1")
    with connect(broker, broker.station_user, broker.station_password, client_id="station",
                 clean_start=False, session_expiry=3600) as station:  # fmt: skip
        station.subscribe(f"{broker.prefix}/report/+")
        station.publish(topic(broker, "programme", "xa-1"), b"P", retain=True)
    with connect(broker, "xa-1", "p1") as agent:
        agent.publish(topic(broker, "report", "xa-1"), b"R while the station was away")
    port = broker.port
    broker.stop()
    broker.start()
    assert broker.port == port
    with connect(broker, broker.station_user, broker.station_password, client_id="station",
                 clean_start=False, session_expiry=3600) as station:  # fmt: skip
        assert station.receive().payload == b"R while the station was away"
    with connect(broker, "xa-1", "p1") as agent:
        agent.subscribe(topic(broker, "programme", "xa-1"))
        assert agent.receive().payload == b"P"


# -- TLS with the installation's CA -----------------------------------------------------------


# paho 2.2 leaves the socket of a failed TLS handshake unclosed (client.py _ssl_wrap_socket
# calls do_handshake() without closing on error); the refusal is the test, not that leak.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_tls_agent_trusting_the_ca_connects_another_ca_fails(
    tls_broker: Broker, tmp_path: Path
) -> None:
    """The agent given the installation's ca.crt connects over TLS and is served; a client
    trusting another CA (a broker impersonated, or the wrong file) fails the handshake."""
    assert tls_broker.tls is not None
    tls_broker.add_account("xa-1", "p1")
    tls_broker.reload()
    _eventually_connects(tls_broker, "xa-1", "p1", ca=tls_broker.tls)
    with connect(tls_broker, "xa-1", "p1", ca=tls_broker.tls) as agent:
        with connect(tls_broker, "station", tls_broker.station_password, ca=tls_broker.tls) as st:
            st.publish(topic(tls_broker, "programme", "xa-1"), b"P", retain=True)
        agent.subscribe(topic(tls_broker, "programme", "xa-1"))
        assert agent.receive().payload == b"P"
    other = files.make_ca(tmp_path / "other-ca")
    with pytest.raises(ssl.SSLCertVerificationError):
        with connect(tls_broker, "xa-1", "p1", ca=other):
            pass
    with pytest.raises(ConnectionError):
        with connect(tls_broker, "xa-1", "p1"):  # plain MQTT to the TLS port: no CONNACK
            pass


# -- files ------------------------------------------------------------------------------------


def test_account_files_are_private_and_exact(tmp_path: Path) -> None:
    """0600 files; the password file holds the station and the enabled clusters only; the ACL
    gives the station and the %u patterns exactly the design's rights; a clash is refused."""
    folder = tmp_path / "b"
    station = password_line("station", "s")
    agents = [("xa-1", password_line("xa-1", "1")), ("xa-2", password_line("xa-2", "2"))]
    files.write_accounts(folder, "station", station, agents, "town")
    for name in (files.PASSWORD_FILE, files.ACL_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    users = [line.split(":")[0] for line in (folder / files.PASSWORD_FILE).read_text().split()]
    assert users == ["station", "xa-1", "xa-2"]
    rules = [
        line for line in (folder / files.ACL_FILE).read_text().splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip
    assert rules == [
        "user station",
        "topic read town/report/+",
        "topic read town/health/+",
        "topic write town/programme/+",
        "topic write town/emergency/+",
        "pattern read town/programme/%u",
        "pattern read town/emergency/%u",
        "pattern read town/emergency/*",
        "pattern write town/report/%u",
        "pattern write town/health/%u",
    ]
    files.write_accounts(folder, "station", station, agents[1:], "town")
    assert "xa-1" not in (folder / files.PASSWORD_FILE).read_text()
    for clash in ([("station", station)], [agents[0], agents[0]], [("xa-9", agents[0][1])]):
        with pytest.raises(BrokerError):
            files.write_accounts(folder, "station", station, clash, "town")
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_certificates(tmp_path: Path) -> None:
    """The CA is self-signed for ten years with its key 0600; the server certificate names
    every host and IP given and is signed by it."""
    from cryptography import x509

    ca = files.make_ca(tmp_path)
    cert_path, key_path = files.issue_server_certificate(tmp_path, ["radio.local", "10.8.0.1"])
    assert stat.S_IMODE((tmp_path / files.CA_KEY).stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    ca_cert = x509.load_pem_x509_certificate(ca.read_bytes())
    server = x509.load_pem_x509_certificate(cert_path.read_bytes())
    years = (ca_cert.not_valid_after_utc - ca_cert.not_valid_before_utc).days / 365
    assert years >= 10
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server.verify_directly_issued_by(ca_cert)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["radio.local"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.8.0.1"]
    with pytest.raises(BrokerError, match="No CA"):
        files.issue_server_certificate(tmp_path / "empty", ["x"])
    (tmp_path / files.CA_KEY).unlink()
    with pytest.raises(BrokerError, match="key .* is missing: restore it"):
        files.issue_server_certificate(tmp_path, ["x"])


# -- helpers ----------------------------------------------------------------------------------


def _eventually_connects(broker: Endpoint, user: str, password: str, **kw: object) -> None:
    """Connect, retrying while the broker is still reading its files after SIGHUP."""
    deadline = time.monotonic() + READY_WITHIN
    while True:
        try:
            with connect(broker, user, password, **kw):  # type: ignore[arg-type]
                return
        except Refused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _eventually_refused(broker: Endpoint, user: str, password: str) -> None:
    """Refused, allowing the broker time to read its files after SIGHUP; fails if never."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        try:
            with connect(broker, user, password):
                pass
        except Refused as refused:
            assert refused.reason.value in NOT_AUTHORISED
            return
        time.sleep(0.05)
    pytest.fail(f"{user} still connects after its account was removed and the broker reloaded")


# -- `broadcaster broker setup` ----------------------------------------------------------------


@pytest.mark.slow
def test_broker_setup_makes_a_broker_that_runs(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """setup writes CA, certificate, accounts and config; the station's generated password is
    printed once with where to put it; a real Mosquitto runs the config as written and takes
    that password over TLS. Run again, it keeps the CA and the clusters' accounts."""
    port = free_port()
    monkeypatch.setenv("BROADCASTER_MQTT_PORT", str(port))
    first = runner.invoke(main, ["broker", "setup", "--host", "127.0.0.1", "--host", "radio"])
    assert first.exit_code == 0, first.output
    shown = re.search(r'mqtt_password = "([^"]+)"', first.output)
    assert shown, first.output
    password = shown.group(1)
    folder = project / "var" / "broker"
    for private in (files.CA_KEY, files.SERVER_KEY, files.PASSWORD_FILE, files.ACL_FILE):
        assert stat.S_IMODE((folder / private).stat().st_mode) == 0o600, private
    conf = folder / files.CONFIG_FILE
    text = conf.read_text()
    for line in ["allow_anonymous false", "require_certificate false", f"listener {port}",
                 "persistence true", "persistent_client_expiration 14d",
                 f"max_queued_messages {files.MAX_QUEUED_MESSAGES}"]:  # fmt: skip
        assert line in text.splitlines(), line
    process = run_mosquitto(conf, "127.0.0.1", port)
    try:
        probe = Address("127.0.0.1", port)
        with connect(probe, "station", password, ca=folder / files.CA_CERT):
            pass
        with pytest.raises(Refused):
            with connect(probe, "station", password + "x", ca=folder / files.CA_CERT):
                pass
        # A cluster added meanwhile (as `clusters add` does), then setup again with the
        # password now in the settings: CA and cluster kept, no password shown.
        ca_before = (folder / files.CA_CERT).read_bytes()
        files.write_accounts(
            folder, "station", password_line("station", password),
            [("xa-1", password_line("xa-1", "p1"))],
        )  # fmt: skip
        monkeypatch.setenv("BROADCASTER_MQTT_PASSWORD", password)
        again = runner.invoke(main, ["broker", "setup", "--host", "127.0.0.1"])
        assert again.exit_code == 0, again.output
        assert password not in again.output and "Kept the installation's CA" in again.output
        assert (folder / files.CA_CERT).read_bytes() == ca_before
        files.reload(folder)
        _eventually_connects(probe, "xa-1", "p1", ca=folder / files.CA_CERT)
        with connect(probe, "station", password, ca=folder / files.CA_CERT):
            pass
    finally:
        end(process)


def test_broker_setup_without_a_host_is_a_usage_error(runner: CliRunner) -> None:
    """TLS needs a name for the certificate: no --host and no mqtt_host is exit 2, nothing made."""
    result = runner.invoke(main, ["broker", "setup"])
    assert result.exit_code == 2, result.output
    assert "--host NAME_OR_IP" in result.output
    assert not Path("var/broker/ca.key").exists()


def test_broker_setup_without_tls_listens_on_loopback_only(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mqtt_tls off: no certificate, and the listener is bound to 127.0.0.1 (no password in
    clear on the network)."""
    monkeypatch.setenv("BROADCASTER_MQTT_TLS", "off")
    result = runner.invoke(main, ["broker", "setup"])
    assert result.exit_code == 0, result.output
    text = Path("var/broker/mosquitto.conf").read_text()
    assert "listener 8883 127.0.0.1" in text.splitlines()
    assert "certfile" not in text and not Path("var/broker/ca.crt").exists()


@pytest.mark.slow
def test_harness_moves_off_a_taken_port(tmp_path: Path) -> None:
    """The harness: when another process takes the probed port before Mosquitto binds it
    (parallel workers), a first start moves to another port instead of talking to a stranger;
    a restart keeps the port it has."""
    broker = Broker(tmp_path / "b")
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", broker.port))
    squatter.listen()
    taken = broker.port
    try:
        broker.start()
        assert broker.port != taken and broker.running
        moved = broker.port
        broker.stop()
        broker.start()
        assert broker.port == moved
        with connect(broker, broker.station_user, broker.station_password):
            pass
    finally:
        broker.kill()
        squatter.close()


def test_broker_setup_refuses_a_ca_without_its_key(runner: CliRunner) -> None:
    """The CA's certificate kept but its key lost: exit 1 with one sentence saying what to do,
    never a traceback, and no new CA made behind the clusters' back."""
    first = runner.invoke(main, ["broker", "setup", "--host", "127.0.0.1"])
    assert first.exit_code == 0, first.output
    ca = Path("var/broker/ca.crt").read_bytes()
    Path("var/broker/ca.key").unlink()
    again = runner.invoke(main, ["broker", "setup", "--host", "127.0.0.1"])
    assert again.exit_code == 1, again.output
    assert "restore it from the backup" in again.output
    assert "Traceback" not in again.output
    assert Path("var/broker/ca.crt").read_bytes() == ca
