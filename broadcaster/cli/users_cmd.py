"""`broadcaster users add|list|set-role|reset-password|disable|enable`: the web page's accounts.

The command line is the technician's tool on the station machine: its changes are
recorded in the audit trail as `cli:<system user>`.
"""

from __future__ import annotations

import json

import click

from broadcaster.cli.base import Group, services_of
from broadcaster.enums import Role
from broadcaster.services import accounts


@click.group(cls=Group)
def users() -> None:
    """Accounts of the web page: officers, leaders, the Office, admins."""


def _hand_over(name: str, password: str | None) -> None:
    if password is not None:
        click.echo(
            f"Password for {name}: {password}\n"
            "It is shown only now; it must be changed at the first login."
        )


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from standard input instead of generating one.",
)  # fmt: skip
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add an account (a generated password is shown once and must be changed at first login)."""
    chosen = click.get_text_stream("stdin").readline().rstrip("\n") if password_stdin else None
    with services_of(ctx) as services:
        issued = accounts.add_user(services, name, role, chosen)
        click.echo(f"Added {issued.user.name} ({issued.user.role}).")
        _hand_over(issued.user.name, issued.password)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List the accounts."""
    with services_of(ctx) as services:
        found = accounts.list_users(services)
        rows = [
            {"name": u.name, "role": str(u.role), "disabled": u.disabled,
             "must_change_password": u.must_change_password}
            for u in found
        ]  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = (
            "disabled"
            if row["disabled"]
            else ("must change password" if row["must_change_password"] else "")
        )
        click.echo(f"{row['name']:<24} {row['role']:<8} {state}".rstrip())


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.pass_context
def users_set_role(ctx: click.Context, name: str, role: str) -> None:
    """Give an account another role."""
    with services_of(ctx) as services:
        user = accounts.set_role(services, name, role)
        click.echo(f"{user.name} is now {user.role}.")


@users.command("reset-password")
@click.argument("name")
@click.pass_context
def users_reset_password(ctx: click.Context, name: str) -> None:
    """Give an account a new generated password (shown once) and end its sessions."""
    with services_of(ctx) as services:
        issued = accounts.reset_password(services, name)
        _hand_over(issued.user.name, issued.password)


@users.command("disable")
@click.argument("name")
@click.pass_context
def users_disable(ctx: click.Context, name: str) -> None:
    """Stop an account from logging in and end its sessions."""
    with services_of(ctx) as services:
        user = accounts.disable_user(services, name)
        click.echo(f"{user.name} can no longer log in.")


@users.command("enable")
@click.argument("name")
@click.pass_context
def users_enable(ctx: click.Context, name: str) -> None:
    """Let a disabled account log in again."""
    with services_of(ctx) as services:
        user = accounts.enable_user(services, name)
        click.echo(f"{user.name} can log in again.")
