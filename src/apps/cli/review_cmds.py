"""Review from the command line: approve/reject/reopen, edit, generate, the dictionary, and the
review desk itself (`proofdesk review`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from proofdesk.apps.cli.common import EXIT_BAD_INPUT, CliContext, handle_errors, on_terminal, print_json, set_option


def _resolve_keys(service: Any, names: tuple[str, ...], set_name: str | None) -> list[str]:
    return [service.find(name, set_name).key_text for name in names]


def _decision_command(action: str, help_text: str) -> click.Command:
    @click.command(name=action, help=help_text)
    @click.argument("names", nargs=-1)
    @set_option
    @click.option("--all-accepted", "all_accepted", is_flag=True,
                  help="Every pending row whose proof is accepted, except frames suggested for culling "
                       "(approve only).", hidden=action != "approve")
    @click.option("--include-culled", "include_culled", is_flag=True,
                  help="With --all-accepted: approve the frames suggested for culling as well.",
                  hidden=action != "approve")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @click.pass_obj
    @handle_errors
    def command(cli: CliContext, names: tuple[str, ...], set_name: str | None, all_accepted: bool,
                include_culled: bool, as_json: bool) -> None:
        from proofdesk.core.domain.errors import InputError
        from proofdesk.core.services.selection import accepted_pending_keys

        service = cli.container.review_service()
        skipped_culled: list[str] = []
        if include_culled and not (all_accepted and action == "approve"):
            raise InputError("--include-culled goes with approve --all-accepted")
        if all_accepted and action == "approve":
            pending = service.rows("pending")
            keys = accepted_pending_keys(pending, set_name, include_culled=include_culled)
            skipped_culled = [key for key in accepted_pending_keys(pending, set_name, include_culled=True)
                              if key not in keys]
        elif names:
            keys = _resolve_keys(service, names, set_name)
        else:
            raise InputError(f"name the rows to {action}" + (" (or use --all-accepted)" if action == "approve" else ""))
        result = service.batch(action, keys)
        if as_json:
            print_json({"done": result.done, "refused": [{"row": k, "message": m} for k, m in result.refused]}
                       | ({"skipped_culled": skipped_culled} if all_accepted else {}))
        else:
            for key in result.done:
                click.echo(f"{action}: {key}")
            if skipped_culled:
                click.echo(f"left pending: {len(skipped_culled)} accepted frame(s) suggested for culling "
                           f"({', '.join(skipped_culled[:5])}{' …' if len(skipped_culled) > 5 else ''}); "
                           "see `proofdesk cull`, or add --include-culled to approve them too", err=True)
            for _, message in result.refused:
                click.echo(f"proofdesk: {message}", err=True)
            if result.refused and len(keys) > 1:
                done_word = {"approve": "approved", "reject": "rejected", "reopen": "reopened"}[action]
                click.echo(f"proofdesk: nothing was {done_word}: {len(result.refused)} of {len(keys)} row(s) "
                           "refused (all or nothing)", err=True)
        if result.refused:
            sys.exit(EXIT_BAD_INPUT)

    return command


approve = _decision_command("approve", "Approve rows (by original or current file name); a row whose proof is not "
                                       "accepted is refused with exit 2 and the failing rules.")
reject = _decision_command("reject", "Reject rows; rejected rows are never published.")
reopen = _decision_command("reopen", "Reopen rejected rows (back to pending).")


@click.command()
@click.argument("name")
@set_option
@click.option("--caption", default=None, help="New caption.")
@click.option("--alt-text", default=None, help="New alt text (at most 125 characters).")
@click.option("--keywords", default=None, help="New keywords, comma-separated.")
@click.option("--file-name", default=None, help="New file name (a lowercase slug ending in .jpg).")
@click.option("--json", "as_json", is_flag=True, help="Print the edited row as JSON.")
@click.pass_obj
@handle_errors
def edit(cli: CliContext, name: str, set_name: str | None, caption: str | None, alt_text: str | None,
         keywords: str | None, file_name: str | None, as_json: bool) -> None:
    """Edit a row's metadata; the proof re-runs at once and an approved row returns to pending."""
    from proofdesk.core.domain.errors import InputError

    changes = {key: value for key, value in (("caption", caption), ("alt_text", alt_text),
                                             ("keywords", keywords), ("file_name", file_name)) if value is not None}
    if not changes:
        raise InputError("nothing to edit: give --caption, --alt-text, --keywords or --file-name")
    service = cli.container.review_service()
    row = service.edit(service.find(name, set_name).key_text, changes)
    if as_json:
        print_json(row.to_public_dict())
        return
    verdict = row.metadata_quality.value if row.metadata_quality else "not proven"
    click.echo(f"{row.key_text}: {row.status.value}, proof {verdict}")
    for reason in row.proof_reasons:
        if not reason.is_fix:
            click.echo(f"  {reason.rule}: {reason.message}")


@click.command()
@click.argument("names", nargs=-1, required=True)
@set_option
@click.pass_obj
@handle_errors
def generate(cli: CliContext, names: tuple[str, ...], set_name: str | None) -> None:
    """Ask the captioner again for rows (the previous suggestion is kept)."""
    service = cli.container.review_service()
    for key in _resolve_keys(service, names, set_name):
        row = service.regenerate(key)
        click.echo(f"{row.key_text}: {row.metadata_quality.value if row.metadata_quality else 'not proven'}")
        for field_name in row.pending_suggestion:
            click.echo(f"  {field_name}: a person wrote it; the new text is only suggested "
                       f"(`proofdesk accept-suggestion {row.original_name}` puts it in place)")


@click.command(name="accept-suggestion")
@click.argument("name")
@set_option
@click.option("--field", "fields", multiple=True, help="Only this field (repeatable); default: every suggested one.")
@click.pass_obj
@handle_errors
def accept_suggestion(cli: CliContext, name: str, set_name: str | None, fields: tuple[str, ...]) -> None:
    """Replace fields a person wrote with Generate's suggestion for them (the proof re-runs)."""
    service = cli.container.review_service()
    row = service.accept_suggestion(service.find(name, set_name).key_text, list(fields) or None)
    click.echo(f"{row.key_text}: {row.metadata_quality.value if row.metadata_quality else 'not proven'}")


@click.group()
def dictionary() -> None:
    """The project dictionary, for spellcheck only (keywords always allowed: captioner.glossary)."""


@dictionary.command(name="add")
@click.argument("words", nargs=-1, required=True)
@click.pass_obj
@handle_errors
def dictionary_add(cli: CliContext, words: tuple[str, ...]) -> None:
    """Add words to the project dictionary (all or none)."""
    added = cli.container.review_service().add_words(words)
    click.echo(f"added {len(added)} word(s) to {cli.settings.dictionary_path}")


@dictionary.command(name="remove")
@click.argument("words", nargs=-1, required=True)
@click.pass_obj
@handle_errors
def dictionary_remove(cli: CliContext, words: tuple[str, ...]) -> None:
    """Take words out of the project dictionary (any case; all or none)."""
    removed = cli.container.review_service().remove_words(words)
    click.echo(f"removed {len(removed)} word(s) from {cli.settings.dictionary_path}")


@dictionary.command(name="list")
@click.pass_obj
@handle_errors
def dictionary_list(cli: CliContext) -> None:
    """List the project dictionary."""
    for word in cli.container.spellchecker().project_words():
        click.echo(word)


@click.command()
@click.pass_obj
@handle_errors
def review(cli: CliContext) -> None:
    """Open the review desk (urwid): edit, spellcheck, Generate, approve/reject, publish."""
    from proofdesk.core.domain.errors import InputError

    if not on_terminal():
        raise InputError("the review desk needs a terminal; use approve/reject/edit/show for scripts")
    qc = None
    runs = cli.settings.runs_dir
    if runs.is_dir():
        candidates = sorted(runs.glob("*/qc_summary.json"))
        if candidates:
            qc = json.loads(candidates[-1].read_text())
    cli.container.reviewer().review(cli.container.review_service(), qc)


COMMANDS = [approve, reject, reopen, edit, generate, accept_suggestion, dictionary, review]
