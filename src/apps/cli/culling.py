"""`proofdesk cull` (the scene stage's suggestions; `--apply` rejects them) and `proofdesk keeper`
(a person's choice of a scene's keeper, kept by every rerun)."""

from __future__ import annotations

import sys

import click
from proofdesk.apps.cli.common import EXIT_BAD_INPUT, CliContext, handle_errors, print_json, set_option


@click.command()
@set_option
@click.option("--apply", "apply_", is_flag=True, help="Reject every suggested frame (all or nothing).")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions (and what was rejected) as JSON.")
@click.pass_obj
@handle_errors
def cull(cli: CliContext, set_name: str | None, apply_: bool, as_json: bool) -> None:
    """List the cull suggestions of the scene stage: per scene, the frames a better frame (the
    keeper) speaks for, with the reason. With --apply, reject them in one command; approved,
    published and already rejected frames are left alone (a suggestion never overrides a decision)."""
    from proofdesk.core.services.culling import suggestions

    service = cli.container.review_service()
    suggested = suggestions(service.rows(), set_name)
    result = service.batch("reject", [row.key_text for row in suggested]) if apply_ and suggested else None
    if as_json:
        print_json({
            "suggestions": [{"row": row.key_text, "scene_id": row.scene_id, "scene_rank": row.scene_rank,
                             "scene_size": row.scene_size, "reason": row.cull_reason} for row in suggested],
            "rejected": result.done if result else [],
            "refused": [{"row": key, "message": message} for key, message in result.refused] if result else [],
        })
    else:
        scene = None
        for row in suggested:
            if row.scene_id != scene:
                scene = row.scene_id
                click.echo(f"scene {scene} ({row.scene_size} frames):")
            click.echo(f"  {row.original_name}  rank {row.scene_rank}: {row.cull_reason}")
        if not suggested:
            click.echo("no cull suggestions" + (f" in set {set_name}" if set_name else ""))
        elif result is None:
            click.echo(f"{len(suggested)} frame(s) suggested for culling; `proofdesk cull --apply` rejects them")
        else:
            for _, message in result.refused:
                click.echo(f"proofdesk: {message}", err=True)
            click.echo(f"rejected {len(result.done)} frame(s)" if result.done else "nothing was rejected (all or nothing)")
    if result is not None and result.refused:
        sys.exit(EXIT_BAD_INPUT)


@click.command()
@click.argument("name")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the scene's rows as JSON.")
@click.pass_obj
@handle_errors
def keeper(cli: CliContext, name: str, set_name: str | None, as_json: bool) -> None:
    """Make NAME its scene's keeper (by original or current file name); the scene's other frames
    are suggested for culling in its favour, and every rerun keeps this choice."""
    service = cli.container.review_service()
    scene = service.choose_keeper(service.find(name, set_name).key_text)
    if as_json:
        print_json([row.to_public_dict() for row in scene])
        return
    chosen = next(row for row in scene if row.keeper)
    click.echo(f"{chosen.key_text}: keeper of scene {chosen.scene_id} ({len(scene)} frame(s))")
    offered = chosen.pending_suggestion.get("caption")
    gave = [row for row in scene if row.key != chosen.key and offered and row.caption is None
            and row.suggestion_history and row.suggestion_history[-1].get("caption") == offered]
    if gave:
        click.echo(f"  the scene's text, from {gave[0].original_name}, is offered as a suggestion: "
                   f"`proofdesk accept-suggestion {chosen.original_name}` puts it in place; "
                   f"{gave[0].original_name} is suggested for culling again")
    if chosen.caption is None:
        click.echo(f"  it has no caption yet: `proofdesk generate {chosen.original_name}` asks the captioner")


COMMANDS = [cull, keeper]
