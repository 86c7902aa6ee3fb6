"""Existing data into the records' history: each current residence becomes a residence
row "since before the records begin", each card number a first card, each exit an exit
decision (its document not known)."""

from django.db import migrations


def forward(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Residence = apps.get_model("people", "Residence")
    Membership = apps.get_model("membership", "Membership")
    PartyCard = apps.get_model("records", "PartyCard")
    ExitDecision = apps.get_model("records", "ExitDecision")
    batch = []
    for pk, loc in Person.objects.filter(residence__isnull=False).values_list("pk", "residence"):
        batch.append(Residence(person_id=pk, locality_id=loc))
        if len(batch) >= 2000:
            Residence.objects.bulk_create(batch)
            batch = []
    Residence.objects.bulk_create(batch)
    cards, exits = [], []
    rows = Membership.objects.values_list(
        "pk", "card_number", "confirmed_on", "exit_on", "exit_reason"
    )
    for pk, card, confirmed, exit_on, reason in rows.iterator():
        if card:
            cards.append(PartyCard(membership_id=pk, number=card, issued_on=confirmed))
        if exit_on:
            exits.append(ExitDecision(membership_id=pk, on=exit_on, reason=reason or "STRUCK_OFF"))
    PartyCard.objects.bulk_create(cards, batch_size=2000)
    ExitDecision.objects.bulk_create(exits, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("people", "0004_records"),
        ("membership", "0002_regulation_fidelity"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
