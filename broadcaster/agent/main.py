"""`broadcaster agent --config agent.toml`: read the settings, open the cache, run the loop.

Imported by the lean entry point without click, Flask or the ORM: a small board has the
memory for the agent and little more.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from broadcaster.agent.cache import Cache
from broadcaster.agent.config import AgentError, load_config
from broadcaster.agent.runner import Agent
from broadcaster.clock import utc_now
from broadcaster.onair.output_spec import default_output, make_output
from broadcaster.onair.outputs import OutputError

logger = logging.getLogger("broadcaster.agent")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="broadcaster agent",
        description="The program at a loudspeaker cluster: receives its programme over MQTT, "
        "fetches and checks the audio, plays it on time and reports what it did.",
    )
    parser.add_argument("--config", type=Path, default=Path("agent.toml"),
                        help="the agent's settings file (default: ./agent.toml)")  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the agent until SIGTERM or Ctrl+C; 1 with one sentence when it cannot run."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load_config(args.config, Path.cwd())
        config.folder.mkdir(parents=True, exist_ok=True)
        spec = default_output(config.output, config.folder)
        output = make_output(spec, config.folder, config.output_before, config.output_after)
        cache = Cache(config.folder, config.cluster)
    except (AgentError, OutputError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Error: the agent's folder cannot be used: {exc}.", file=sys.stderr)
        return 1
    agent = Agent(config, cache, output, utc_now)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        agent.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        agent.run()
    except AgentError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        cache.close()
    return 0
