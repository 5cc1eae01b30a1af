"""`proofdesk places allow | list | remove`: place names a person vouches for, which the proof's
`place.far` rule then never checks (for every photo, one set's, or one photo's). They are stored in
the queue database, apart from the dictionary and `proof.place_ordinary_words`."""

from __future__ import annotations

import click
from proofdesk.apps.cli.common import CliContext, handle_errors, print_json, set_option

NEAR_HELP = ("Only for the photos of this set, or for this one photo (its original or current file name; "
             "--set NAME when two sets share it). Without it, for every photo.")


@click.group()
def places() -> None:
    """Place names a person vouches for (`place.far` never checks them)."""


def _reprove_blocked(cli: CliContext, name: str, allowance: object) -> tuple[int, int, list[str]]:
    """Prove again the rows whose `place.far` finding names `name` and that the allowance covers:
    (re-proven, now accepted, refusals)."""
    from proofdesk.core.domain.errors import ProofdeskError
    from proofdesk.core.domain.models import ProofVerdict
    from proofdesk.core.domain.place_names import PlaceAllowance
    from proofdesk.core.domain.places import fold
    from proofdesk.core.domain.proof.rules_places import far_place_names

    assert isinstance(allowance, PlaceAllowance)
    service = cli.container.review_service()
    key = fold(name)
    reproven = accepted = 0
    refused: list[str] = []
    for row in service.rows("blocked"):
        if not allowance.applies_to(row.set_name, row.original_name):
            continue
        if key not in {fold(found) for found in far_place_names(list(row.proof_reasons))}:
            continue
        try:
            proven = service.reprove(row.key_text)
        except ProofdeskError as exc:
            refused.append(f"{row.key_text}: {exc}")
            continue
        reproven += 1
        accepted += proven.metadata_quality == ProofVerdict.ACCEPTED
    return reproven, accepted, refused


@places.command(name="allow")
@click.argument("name")
@click.option("--near", metavar="SET|ROW", default=None, help=NEAR_HELP)
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the allowance and the re-proven rows as JSON.")
@click.pass_obj
@handle_errors
def places_allow(cli: CliContext, name: str, near: str | None, set_name: str | None, as_json: bool) -> None:
    """Vouch for the place name NAME: `place.far` never checks it again (the photos are where the
    text says, or the name is no place here). Rows it blocked are proven again."""
    allowance, added = cli.container.place_allowances().allow(name, near=near, set_name=set_name)
    reproven, accepted, refused = _reprove_blocked(cli, allowance.name, allowance)
    if as_json:
        print_json({"name": allowance.name, "set_name": allowance.set_name, "original_name": allowance.original_name,
                    "scope": allowance.scope, "added": added, "reproven": reproven, "accepted": accepted,
                    "refused": refused})
        return
    click.echo(f"allowed {allowance.name!r} for {allowance.scope}" + ("" if added else " (already allowed)"))
    if reproven:
        click.echo(f"proved {reproven} blocked row(s) again: {accepted} now accepted")
    for message in refused:
        click.echo(f"proofdesk: not proved again: {message}", err=True)


@places.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the allowed names as JSON.")
@click.pass_obj
@handle_errors
def places_list(cli: CliContext, as_json: bool) -> None:
    """List the place names vouched for, with where each holds."""
    allowances = cli.container.place_allowances().list()
    if as_json:
        print_json([{"name": a.name, "set_name": a.set_name, "original_name": a.original_name, "scope": a.scope,
                     "created_at": a.created_at.isoformat() if a.created_at else None} for a in allowances])
        return
    for allowance in allowances:
        click.echo(f"{allowance.name}\t{allowance.scope}")
    if not allowances:
        click.echo("no allowed place names (`proofdesk places allow NAME` vouches for one)")


@places.command(name="remove")
@click.argument("name")
@click.option("--near", metavar="SET|ROW", default=None, help="The set or photo it was allowed for.")
@set_option
@click.pass_obj
@handle_errors
def places_remove(cli: CliContext, name: str, near: str | None, set_name: str | None) -> None:
    """Withdraw an allowed place name (as given to `places allow`); the next proof of a row checks it again."""
    allowance = cli.container.place_allowances().remove(name, near=near, set_name=set_name)
    click.echo(f"removed {allowance.name!r} for {allowance.scope}")


COMMANDS = [places]
