"""`proofdesk serve`: the web desk on the queue, in the browser (ADR 0024, docs/web-desk.md)."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback opens the desk to the network (it says so).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--open", "open_it", is_flag=True, help="Open the desk in the system browser.")
@click.pass_obj
@handle_errors
def serve(cli: CliContext, host: str, port: int, open_it: bool) -> None:
    """Serve the web desk: grid of scenes, loupe, compare, editor with the live proof, one key per
    decision, publish. Prints one line with the URL and its access token; Ctrl-C stops it."""
    from proofdesk.apps.web.security import is_loopback
    from proofdesk.apps.web.server import serve_forever

    if not is_loopback(host):
        click.echo(f"warning: the desk listens on {host}, not only this machine: anyone who can reach "
                   f"{host}:{port} and holds the token can change the queue", err=True)
    run, url = serve_forever(cli.container, host, port)  # listening already: the URL answers at once
    click.echo(f"proofdesk desk: {url}")
    if open_it:
        click.launch(url)
    run()


COMMANDS = [serve]
