"""Every save or delete of a row the counts read refreshes its person's contribution,
in the same transaction (in one batch at the end of a `core.bulk.many_writes()` block).
Queryset `update()`, `bulk_create()` and raw SQL send no model signal: the code that
uses them calls `core.bulk.touched()` itself."""

from django.apps import apps as global_apps
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from dangvien.core import bulk
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.records.models import Exemption

from . import fresh, store


@receiver(bulk.people_changed)
def people_changed(sender, people, **kwargs) -> None:
    store.refresh(people)
    if not store.suspended():
        fresh.bump()


@receiver(post_save)
@receiver(post_delete)
def domain_written(sender, raw=False, **kwargs) -> None:
    """Any write to a domain row makes the cached figures stale (`fresh`)."""
    if not raw and watched(sender):
        fresh.bump()


@receiver(m2m_changed)
def domain_linked(sender, action, **kwargs) -> None:
    if action.startswith("post_") and watched(sender):
        fresh.bump()


def watched(model) -> bool:
    # (not the historical models a migration writes with: their registry is its own)
    return (
        model._meta.app_label in fresh.WATCHED
        and model._meta.apps is global_apps
        and not store.suspended()
    )


def person_of(instance) -> int | None:
    if isinstance(instance, Person):
        return instance.pk
    if isinstance(instance, Membership):
        return instance.person_id
    membership_id = getattr(instance, "membership_id", None)
    if membership_id is None:
        return None
    return Membership.objects.filter(pk=membership_id).values_list("person_id", flat=True).first()


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Membership)
@receiver(post_save, sender=Stint)
@receiver(post_save, sender=Exemption)
def saved(sender, instance, raw=False, **kwargs) -> None:
    if raw or store.suspended():
        return
    bulk.touched([person_of(instance)])


@receiver(pre_delete, sender=Membership)
@receiver(pre_delete, sender=Stint)
@receiver(pre_delete, sender=Exemption)
def deleting(sender, instance, **kwargs) -> None:
    # The membership may be gone by the time a cascaded stint's post_delete arrives.
    instance._stats_person = None if store.suspended() else person_of(instance)


@receiver(post_delete, sender=Membership)
@receiver(post_delete, sender=Stint)
@receiver(post_delete, sender=Exemption)
def deleted(sender, instance, **kwargs) -> None:
    if not store.suspended():
        bulk.touched([getattr(instance, "_stats_person", None)])


@receiver(pre_save, sender=OrgUnit)
def unit_saving(sender, instance, raw=False, **kwargs) -> None:
    instance._stats_before = (
        None
        if raw or instance.pk is None
        else OrgUnit.objects.filter(pk=instance.pk).values_list("kind", "path").first()
    )


@receiver(post_save, sender=OrgUnit)
def unit_saved(sender, instance, raw=False, **kwargs) -> None:
    """A unit that becomes a superior committee, or stops being one, or moves (its path),
    changes the superior units its members count in: refresh everyone with a stint under
    it, as it was and as it is."""
    before = getattr(instance, "_stats_before", None)
    if raw or store.suspended() or before is None or before == (instance.kind, instance.path):
        return
    under = Q(unit__path__startswith=before[1]) | Q(unit__path__startswith=instance.path)
    bulk.touched(Stint.objects.filter(under).values_list("membership__person_id", flat=True))
