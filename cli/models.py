"""``rg models``: the models shipped with rg, with their model card's headline."""

import click


@click.command()
@click.argument("name", required=False)
def models(name: str | None):
    """List the models shipped with rg (NAME: print that model's card, JSON).

    ``rg segment`` uses the default model (marked *) when --model is not given; --model NAME picks another.

    \b
    Example:
      rg models
      rg models lgg-flair > card.json
    """
    import json

    from radiogenomics.errors import InputError
    from segmentation.model_files import DEFAULT_MODEL, WEIGHTS, shipped_models

    cards = shipped_models()
    if name is not None:
        if name not in cards:
            raise InputError(
                f"{name}: no such shipped model; rg models lists them ({', '.join(cards) or 'none'})"
            )
        click.echo(json.dumps(cards[name], indent=2))
        return
    if not cards:
        click.echo("no model ships with this version of rg; train one with rg train")
        return
    for key, card in cards.items():
        mark = "*" if key == DEFAULT_MODEL else " "
        click.echo(f"{mark} {key}: {card.get('headline', '(no headline)')}")
    click.echo(f"(* the default of rg segment; cards in {WEIGHTS})")
