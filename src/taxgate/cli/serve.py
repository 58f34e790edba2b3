"""``taxgate serve``: the HTTP API and the web console on one store (contracts.md §9),
and the accounts that may use them."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from taxgate.cli.options import Store
from taxgate.store import open_store

app = typer.Typer(
    rich_markup_mode="markdown",
    invoke_without_command=True,
    help=(
        "Start the HTTP API (documented at /openapi.json) and the web console over the same "
        "store the commands use; `serve user add` and `serve token` make the accounts.\n\n"
        "Example: `taxgate serve --store sqlite:///demo-out/store.db`"
    ),
)
user_app = typer.Typer(
    no_args_is_help=True,
    help="Accounts that may sign in.\n\nExample: `taxgate serve user add ann --role officer`",
)
app.add_typer(user_app, name="user")


@app.callback()
def serve(
    context: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    store: Store = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="Directory of the ledger's keys (default: $TAXGATE_KEY_DIR, else keys/ beside "
            "a SQLite store when it holds them, as `taxgate demo` leaves them, else "
            "./.taxgate/keys).",
        ),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(help="The folder whose files API callers may name (default: here)."),
    ] = None,
    work: Annotated[
        Path | None,
        typer.Option(
            help="Where decides, verdicts and reports write their files (./.taxgate/service)."
        ),
    ] = None,
) -> None:
    """Serve the API and the console until interrupted.

    Example: `taxgate serve --store sqlite:///demo-out/store.db --port 8000`
    """
    if context.invoked_subcommand is not None:
        return
    import uvicorn  # only the server needs it; `serve user add` starts faster without

    from taxgate.service.app import create_app
    from taxgate.service.config import ServiceConfig

    config = ServiceConfig.make(store, keys, root, work)
    application = create_app(config)
    typer.echo(f"taxgate: serving {config.store_url} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name, as they sign in.")],
    role: Annotated[str, typer.Option(help="officer | counsel | auditor | custodian | public")],
    agency: Annotated[
        str, typer.Option(help="A custodian's agency code (e.g. ICE); custodians only.")
    ] = "",
    store: Store = None,
) -> None:
    """Create a user; the password is asked for twice (or read from standard input's first
    line when it is not a terminal).

    Example: `taxgate serve user add ann --role officer --store sqlite:///demo-out/store.db`
    """
    from taxgate.service.accounts import add_user, check_new_user

    check_new_user(name, role, agency, "x" * 8)  # a wrong option before the password prompt
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:  # a script or a test: the first line of standard input, asked once
        password = sys.stdin.readline().rstrip("\r\n")
    with closing(open_store(store)) as opened:
        user = add_user(opened, name, role, password, agency)
    typer.echo(f"added {user.name} ({user.role}{', ' + user.agency if user.agency else ''})")


@user_app.command("list")
def user_list(store: Store = None) -> None:
    """List the users and their roles.

    Example: `taxgate serve user list`
    """
    from taxgate.service.accounts import list_users

    with closing(open_store(store)) as opened:
        for user in list_users(opened):
            typer.echo(f"{user.name}\t{user.role}\t{user.agency}")


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    store: Store = None,
) -> None:
    """Mint an API bearer token for a user and print it (it is shown only this once).

    Example: `curl -H "Authorization: Bearer $(taxgate serve token ann)" localhost:8000/api/me`
    """
    from taxgate.service.accounts import find_user, mint_token

    with closing(open_store(store)) as opened:
        typer.echo(mint_token(opened, find_user(opened, name), label))
