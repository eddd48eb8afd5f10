"""``flask --app wsgi import-review FILE``: propose a report's recommendations and actions, or import them."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.importer.extract import ExtractionError


@click.command("import-review")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the proposals; save nothing.")
@click.option("--format", "output", type=click.Choice(["json", "text"]), default="text")
@click.option("--board", "boards", multiple=True, help="Board key (repeat for joint reviews); needed to import.")
@click.option("--ref", help="Short reference for the review (default: from the file name).")
@click.option("--title", help="The review's title (default: from the file name).")
@click.option("--child", help="The child's or adult's pseudonym as the report gives it.")
@click.option("--review-type", default="Child Safeguarding Practice Review", show_default=True)
@click.option("--year", type=int, help="Year of the incident.")
@click.option("--author", help="The report's author.")
@click.option(
    "--leave-out-unmatched",
    is_flag=True,
    help="Import without the proposed actions whose agency is not one of the service's (they are listed).",
)
@with_appcontext
def import_review(file, dry_run, output, boards, ref, title, child, review_type, year, author, leave_out_unmatched):
    """Propose the recommendations and actions in a report (PDF, DOCX or text); import them unless --dry-run."""
    from tracker.importer import services

    data = file.read_bytes()
    try:
        services.check_upload(file.name, data)
        proposals = services.propose(db.session, file.name, data, boards)
    except (ExtractionError, services.ImportRefused) as error:
        raise click.ClickException(str(error)) from error
    if dry_run:
        if output == "json":
            click.echo(json.dumps(proposals.as_json(), ensure_ascii=False, indent=2))
        else:
            for rec in proposals.recommendations:
                click.echo(f"Recommendation {rec.ref} ({rec.kind}): {rec.text}")
            for action in proposals.actions:
                click.echo(f"Action [{action.agency}] {action.reported_progress}: {action.text}")
        return
    if not boards or not year:
        raise click.UsageError("--board and --year are needed to import a review (or use --dry-run).")
    if leave_out_unmatched:
        for action in [a for a in proposals.actions if not a.agency_key]:
            click.echo(f"Left out (agency not known to the service: {action.agency}): {action.text[:100]}")
            proposals.actions.remove(action)
    details = services.ReviewDetails(
        ref=ref or services.slug(file.stem),
        title=title or file.stem.replace("-", " ").replace("_", " ").strip().title(),
        child=child or "Not stated",
        boards=list(boards),
        review_type=review_type,
        incident_year=year,
        author=author,
    )
    try:
        review = services.create_review(db.session, details, proposals, filename=file.name, data=data, actor="cli")
    except services.ImportRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Imported {review.ref}: {len(review.recommendations)} recommendations, {len(review.actions)} actions.")


COMMANDS = [import_review]
