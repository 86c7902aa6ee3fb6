"""Keeps the person → scope table (`dangvien.people.scope`) right on every write: it
listens to `core.bulk.people_changed`, like the precomputed counts, and tells it of the
writes the counts do not follow (candidacies and transfers). Bulk writers that send no
model signal call `core.bulk.touched()` themselves, or rebuild the table at the end."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangvien.admission.models import Candidate
from dangvien.core import bulk
from dangvien.records.models import Transfer
from dangvien.stats import store as stats

from . import scope


@receiver(bulk.people_changed)
def people_changed(sender, people, **kwargs) -> None:
    scope.refresh(people)


def person_of(instance) -> int | None:
    if isinstance(instance, Candidate):
        return instance.person_id
    from dangvien.membership.models import Membership

    return (
        Membership.objects.filter(pk=instance.membership_id)
        .values_list("person_id", flat=True)
        .first()
    )


@receiver(post_save, sender=Candidate)
@receiver(post_save, sender=Transfer)
@receiver(post_delete, sender=Candidate)
@receiver(post_delete, sender=Transfer)
def written(sender, instance, raw=False, **kwargs) -> None:
    if raw or stats.suspended():
        return
    bulk.touched([person_of(instance)])
