"""``rg models``: the models shipped with rg, with their model card's headline."""

from pathlib import Path

import click

from cli.common import out_option, quiet_option


@click.command()
@click.argument("name", required=False)
@out_option(
    "Write NAME's card (JSON) to this file, e.g. for rg evaluate --training-cases.",
    type=click.Path(dir_okay=False, path_type=Path),
    required=False,
)
@quiet_option("With --out: print nothing (errors still print).")
def models(name: str | None, out: Path | None, quiet: bool):
    """List the models shipped with rg (NAME: print that model's card, JSON; with --out, write it there).

    ``rg segment`` uses the default model (marked *) when --model is not given; --model NAME picks another.

    \b
    Example:
      rg models
      rg models lgg-flair --out card.json
    """
    import json

    from radiogenomics.atomic import write_text
    from radiogenomics.errors import InputError
    from radiogenomics.outputs import check_output
    from segmentation.model_files import DEFAULT_MODEL, WEIGHTS, shipped_models

    if out is not None:
        if name is None:
            raise click.UsageError("--out writes one model's card: give its NAME (rg models lists them)")
        check_output(out, option="--out")
    cards = shipped_models()
    if name is not None:
        if name not in cards:
            raise InputError(
                f"{name}: no such shipped model; rg models lists them ({', '.join(cards) or 'none'})"
            )
        text = json.dumps(cards[name], indent=2)
        if out is None:
            click.echo(text)
            return
        write_text(out, text + "\n")
        if not quiet:
            click.echo(f"wrote the card of {name} to {out}")
        return
    if not cards:
        click.echo("no model ships with this version of rg; train one with rg train")
        return
    for key, card in cards.items():
        mark = "*" if key == DEFAULT_MODEL else " "
        click.echo(f"{mark} {key}: {card.get('headline', '(no headline)')}")
    click.echo(f"(* the default of rg segment; cards in {WEIGHTS})")
