"""A party card ends with its holder's exit from the party: the field naming the exit that
ended it, then the existing exits applied to the cards still open (a number recorded
without a card becomes one, ended)."""

import django.db.models.deletion
from django.db import migrations, models


def forward(apps, schema_editor):
    PartyCard = apps.get_model("records", "PartyCard")
    ExitDecision = apps.get_model("records", "ExitDecision")
    Membership = apps.get_model("membership", "Membership")
    exits = (
        ExitDecision.objects.filter(reversed_on__isnull=True)
        .exclude(reason="TRANSFER_OUT")  # still a member, elsewhere: the card stays
        .order_by("pk")
    )
    for d in exits.iterator():
        m = Membership.objects.get(pk=d.membership_id)
        if m.exit_on != d.on or m.exit_reason != d.reason:
            continue  # not the exit in force
        ended = PartyCard.objects.filter(membership_id=m.pk, ended_on__isnull=True).update(
            ended_on=d.on, ended_by_exit_id=d.pk
        )
        if (
            not ended
            and m.card_number
            and not PartyCard.objects.filter(membership_id=m.pk).exists()
            and not PartyCard.objects.filter(number=m.card_number).exists()
        ):
            PartyCard.objects.create(
                membership_id=m.pk, number=m.card_number, ended_on=d.on, ended_by_exit_id=d.pk
            )


def backward(apps, schema_editor):
    PartyCard = apps.get_model("records", "PartyCard")
    PartyCard.objects.filter(ended_by_exit__isnull=False).update(ended_on=None)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_from_existing"),
    ]

    operations = [
        migrations.AddField(
            model_name="partycard",
            name="ended_by_exit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cards_ended",
                to="records.exitdecision",
                verbose_name="ended by the exit",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
