"""People: identity, demographics, positions held. Membership lives in `membership`."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from dangvien.core.dates import years_between
from dangvien.core.text import clean_name, search_key, sort_key
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion

from .cccd import validate_cccd


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class GeneralEducation(models.TextChoices):
    PRIMARY = "PRIMARY", _("Primary")
    LOWER_SECONDARY = "LOWER_SECONDARY", _("Lower secondary (9/12)")
    UPPER_SECONDARY = "UPPER_SECONDARY", _("Upper secondary (12/12)")


class Professional(models.TextChoices):
    NONE = "NONE", _("None")
    ELEMENTARY = "ELEMENTARY", _("Elementary")
    INTERMEDIATE = "INTERMEDIATE", _("Intermediate")
    COLLEGE = "COLLEGE", _("College")
    UNIVERSITY = "UNIVERSITY", _("University")
    MASTER = "MASTER", _("Master")
    DOCTOR = "DOCTOR", _("Doctor")


COLLEGE_OR_HIGHER = (
    Professional.COLLEGE,
    Professional.UNIVERSITY,
    Professional.MASTER,
    Professional.DOCTOR,
)


class PoliticalTheory(models.TextChoices):
    NONE = "NONE", _("None")
    ELEMENTARY = "ELEMENTARY", _("Elementary")
    INTERMEDIATE = "INTERMEDIATE", _("Intermediate")
    ADVANCED = "ADVANCED", _("Advanced")
    BACHELOR = "BACHELOR", _("Bachelor")


class Occupation(models.TextChoices):
    STATE_OFFICIAL = "STATE_OFFICIAL", _("State official")
    PARTY_MASS_OFFICIAL = (
        "PARTY_MASS_OFFICIAL",
        _("Official of the party, Fatherland Front or mass organisations"),
    )
    COMMUNE_OFFICIAL = "COMMUNE_OFFICIAL", _("Commune official")
    HAMLET_STAFF = "HAMLET_STAFF", _("Hamlet non-specialised staff")
    PUBLIC_SERVICE = "PUBLIC_SERVICE", _("Public-service employee")
    ENTERPRISE = "ENTERPRISE", _("Enterprise manager or worker")
    FARMER = "FARMER", _("Farmer, forester or fisherman")
    ARMY_POLICE = "ARMY_POLICE", _("Army or police")
    STUDENT = "STUDENT", _("Pupil or student")
    RETIRED = "RETIRED", _("Retired")
    OTHER = "OTHER", _("Other")


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user, personal: bool = False):
        """People a user may see: whose current (or last) unit is in the user's scope.

        With `personal`, only those whose personal details the user may see (a leader
        sees names only unless granted).
        """
        from dangvien.accounts.scoping import locality_paths, scope_paths

        paths = scope_paths(user, personal)
        if paths is None:
            return self
        return self.within(paths, locality_paths(user, personal) or [])

    def within(self, paths: list[str] | None, places: list[str] | None):
        """People of the units under `paths` and, for non-members, of the localities under
        `places` (the scope of a user, or of an import from the upload page); None: all."""
        from dangvien.accounts.scoping import prefix_q
        from dangvien.admission.models import Candidate
        from dangvien.membership.models import Stint

        if paths is None:
            return self
        stints = Stint.objects.filter(membership__person=OuterRef("pk"))
        latest = stints.filter(prefix_q("unit__path", paths)).filter(
            Q(end_on__isnull=True) | Q(end_on=models.F("membership__exit_on"))
        )
        # Non-members are seen by the committees of where they live, and candidates by
        # those of their cell.
        resident = ~Exists(stints) & prefix_q("residence__path", places or [])
        candidacy = Candidate.objects.filter(prefix_q("cell__path", paths), person=OuterRef("pk"))
        # A member in transit between two units (in neither) is seen by both sides, and
        # only while the transfer is pending (dangvien.records.transfers).
        from dangvien.records.models import Transfer

        in_transit = Transfer.objects.filter(
            prefix_q("from_unit__path", paths) | prefix_q("to_unit__path", paths),
            membership__person=OuterRef("pk"),
            kind=Transfer.Kind.OFFICIAL,
            received_on__isnull=True,
            cancelled_on__isnull=True,
        )
        return self.filter(Exists(latest) | resident | Exists(candidacy) | Exists(in_transit))

    def search(self, text: str):
        """Accent-insensitive name search: 'nguyen van an' finds 'Nguyễn Văn An'."""
        key = search_key(text)
        return self.filter(search_name__contains=key) if key else self

    def scope_keys(self, user, personal: bool = False) -> list[str] | None:
        """The keys of the user's scope in the person → scope table (`PersonScope`);
        None: the user sees everybody."""
        from dangvien.accounts.scoping import locality_paths, scope_paths

        from .scope import keys_for

        paths = scope_paths(user, personal)
        if paths is None:
            return None
        return keys_for(paths, locality_paths(user, personal) or [])

    def scoped(self, user, personal: bool = False):
        """The same people as `visible_to`, read from the person → scope table
        (`PersonScope`, kept on every write by `dangvien.people.scope`): one indexed
        lookup per key of the user's scope instead of gathering the scope's people from
        their stints, candidacies, transfers and residences."""
        keys = self.scope_keys(user, personal)
        if keys is None:
            return self
        return self.filter(
            pk__in=PersonScope.objects.filter(key__in=keys).values("person_id").order_by()
        )

    def with_search_key(self):
        """Annotate `skey`, the accent-free name compared byte by byte (COLLATE "C" on
        PostgreSQL, which its index `person_search_key` holds; SQLite compares bytes)."""
        from django.db import connection

        if connection.vendor == "postgresql":
            return self.annotate(skey=Collate(F("search_name"), "C"))
        return self.annotate(skey=F("search_name"))

    def find(self, text: str):
        """Word-prefix search, accent-insensitive: 'ngu' finds 'Nguyễn Văn An' and 'Đỗ
        Thị Nguyệt', 'an' finds 'Nguyễn Văn An' and 'Trần Anh', 'van a' finds 'Nguyễn
        Văn An' ('guyen' finds nobody). Annotates `skey`: order by it, then `pk`, for a
        keyset (`dangvien.core.keyset`) on the index `person_search_key`."""
        qs = self.with_search_key()
        if not search_key(text):
            return qs
        first, later = match_branches(text)
        return qs.filter(first | later)


def match_branches(text: str) -> tuple[Q, Q]:
    """The two disjoint halves of `find`: the name starts with the key (a range on the
    index `person_search_key`, read in order), or only a later word does (" key" inside
    the name: the trigram index on PostgreSQL). On a `with_search_key` queryset."""
    from django.db import connection

    key = search_key(text)
    first = Q(skey__gte=key, skey__lt=key + "\U0010ffff")
    words = key.split(" ")
    if connection.vendor == "postgresql" and all(w.isascii() and w.isalnum() for w in words):
        # Read through the index `person_later_words` (the words after the first, each
        # a prefix); strpos, which no index serves, keeps the exact meaning of the LIKE
        # (else the planner reads the trigram index, which finds every "Nguyễn" for "ngu").
        phrase = " <-> ".join([*words[:-1], words[-1] + ":*"])
        later = Q(
            ExpressionWrapper(
                RawSQL(
                    f"{LATER_WORDS} @@ to_tsquery('simple'::regconfig, %s) "
                    'AND strpos("people_person"."search_name", %s) > 0',
                    [phrase, " " + key],
                ),
                output_field=models.BooleanField(),
            )
        )
    else:
        later = Q(search_name__contains=" " + key)
    return first, later & ~first


# Up to this many rows of the person → scope table under a user's keys (a ward or
# commune has hundreds), the search reads them all in one query per half and sorts;
# above (a district, a province), one query per key and half, each read in order.
NARROW_SCOPE = 2000
# Up to this many later-word matches under a wide key (`PersonScopeWord`), the search
# reads them all and sorts them by name; above, the matches are so dense that reading
# the key's names in order finds a page of them within (page × rows / this) rows.
DENSE_LATER = 5000


def scope_branches(text: str, keys: list[str]) -> list:
    """The branches of `find(text)` within the scope keys `keys`, read through the index
    `person_scope_search` of `PersonScope` (key, search_name, person): the names starting
    with the search key, and those where only a later word does; for a wide scope each
    key apart, read in order and stopped at the page. Callables for
    `core.keyset.paginate` on a Person queryset *without* the scope or the name filter
    (the joined keys are the scope); each annotates the keys `skey` (the copied
    accent-free name, compared byte by byte) and `pid` (the person id as the scope row
    holds it, so that the index serves the cursor too). One query (the rows under the
    keys, counted up to a bound).

    A wide key's later-word half first counts its matches in `PersonScopeWord` (one
    range of the index (key, suffix, …), up to `DENSE_LATER`): few, and the page is
    those people sorted by name; many, and the key's names are read in order, as
    above, a page of matches coming within a bounded number of rows either way."""
    key = search_key(text)
    first = Q(skey__gte=key, skey__lt=key + "\U0010ffff")
    later = Q(skey__contains=" " + key) & ~first
    narrow = PersonScope.objects.filter(key__in=keys)[: NARROW_SCOPE + 1].count() <= NARROW_SCOPE
    groups = [keys] if narrow else [[k] for k in keys]

    def joined(qs, group: list[str]):
        # An inner join on (person, key in the group): the filters on `skey` below reject
        # the rows the outer join would add (no row for the keys, a NULL name).
        qs = qs.alias(sc=FilteredRelation("scopes", condition=Q(scopes__key__in=group)))
        qs = qs.annotate(skey=F("sc__search_name"), pid=F("sc__person_id"))
        # A person under two of the keys (a candidate living in the ward) is read twice.
        return qs.distinct() if len(group) > 1 else qs

    out = []
    for group in groups:
        out.append(lambda qs, g=group: joined(qs, g).filter(first))
        if narrow:
            out.append(lambda qs, g=group: joined(qs, g).filter(later))
        else:
            out.append(
                lambda qs, k=group[0]: later_words(
                    qs, key, k, lambda qs: joined(qs, [k]).filter(later)
                )
            )
    return out


def later_words(qs, key: str, scope_key: str, dense: Callable):
    """The people of `qs` under `scope_key` where a later word of the name, and not the
    first, starts with the search key `key`: read from `PersonScopeWord` when they are
    at most `DENSE_LATER`, else `dense(qs)` (reading the names in order, which finds a
    page of such dense matches soon). Annotates `skey` and `pid`."""
    words = PersonScopeWord.objects.filter(
        key=scope_key, suffix__gte=key, suffix__lt=key + "\U0010ffff"
    )
    if words[: DENSE_LATER + 1].count() > DENSE_LATER:
        return dense(qs)
    first = Q(skey__gte=key, skey__lt=key + "\U0010ffff")
    qs = qs.filter(pk__in=words.values("person_id")).with_search_key()
    return qs.annotate(pid=F("pk")).filter(Q(skey__contains=" " + key) & ~first)


def everyone_branches(text: str) -> list:
    """The branches of `find(text)` for a user who sees everybody, for
    `core.keyset.paginate` on a Person queryset without the name filter, keys
    ("skey", "pk"): the names starting with the search key (a range of the index
    `person_search_key`, read in order), and those where only a later word does
    (`later_words` under the key `scope.EVERYONE`, which every person has)."""
    from .scope import EVERYONE

    key = search_key(text)
    first = Q(skey__gte=key, skey__lt=key + "\U0010ffff")
    later = Q(skey__contains=" " + key) & ~first
    return [
        lambda qs: qs.with_search_key().filter(first),
        lambda qs: later_words(qs, key, EVERYONE, lambda qs: qs.with_search_key().filter(later)),
    ]


# The index expression of migration people/0005 (the words after the first one).
LATER_WORDS = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(\"people_person\".\"search_name\", '^\\S+\\s*', ''))"
)


class Person(models.Model):
    full_name = models.CharField(_("full name"), max_length=128)
    # Derived keys kept in step by save(): accent-free search and Vietnamese sort order.
    search_name = models.CharField(max_length=128, db_index=True, editable=False)
    sort_name = models.CharField(max_length=300, db_index=True, editable=False)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizen_id = models.CharField(
        _("citizen ID (CCCD)"), max_length=12, unique=True, null=True, blank=True
    )
    ethnicity = models.ForeignKey(Ethnicity, on_delete=models.PROTECT, verbose_name=_("ethnicity"))
    religion = models.ForeignKey(Religion, on_delete=models.PROTECT, verbose_name=_("religion"))
    general_education = models.CharField(
        _("general education"), max_length=20, choices=GeneralEducation.choices
    )
    professional = models.CharField(
        _("professional qualification"),
        max_length=20,
        choices=Professional.choices,
        default=Professional.NONE,
    )
    political_theory = models.CharField(
        _("political theory"),
        max_length=20,
        choices=PoliticalTheory.choices,
        default=PoliticalTheory.NONE,
    )
    occupation = models.CharField(
        _("occupation"), max_length=24, choices=Occupation.choices, default=Occupation.OTHER
    )
    residence = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("place of residence"),
    )
    youth_union_member = models.BooleanField(_("Youth Union member"), default=False)
    business_owner = models.BooleanField(_("private-business owner"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Optimistic concurrency: an edit saves only over the version it was read at.
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "birth_date", "pk"]
        # Imports match people by name and birth date, a chunk of dates at a time.
        indexes = [models.Index(fields=["birth_date"], name="person_birth_date")]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.fill_keys()
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        self.full_name = clean_name(self.full_name)
        self.search_name = search_key(self.full_name)
        self.sort_name = sort_key(self.full_name)

    def clean(self) -> None:
        if self.birth_date and self.birth_date > dt.date.today():
            raise ValidationError({"birth_date": _("The date of birth is in the future.")})
        if self.citizen_id:
            codes = set(ProvinceCode.objects.values_list("code", flat=True))
            try:
                self.citizen_id = validate_cccd(
                    self.citizen_id,
                    sex=self.sex,
                    birth_date=self.birth_date,
                    province_codes=codes,
                )
            except ValidationError as e:
                raise ValidationError({"citizen_id": e.messages}) from e
        else:
            self.citizen_id = None

    def age_on(self, day: dt.date) -> int:
        return years_between(self.birth_date, day)


class Position(models.Model):
    """A post a person holds over a period (hamlet head, commune police, teacher …)."""

    class Kind(models.TextChoices):
        HAMLET_HEAD = "HAMLET_HEAD", _("Hamlet or village head")
        RESIDENTIAL_GROUP_HEAD = "RESIDENTIAL_GROUP_HEAD", _("Residential group head")
        COMMUNE_POLICE = "COMMUNE_POLICE", _("Commune police")
        MILITIA = "MILITIA", _("Militia")
        TEAM_LEADER = "TEAM_LEADER", _("Team leader")
        FRONT_HEAD = "FRONT_HEAD", _("Head of the Front work committee")
        MASS_ORG_HEAD = "MASS_ORG_HEAD", _("Head of a mass organisation")
        GRASSROOTS_OFFICIAL = "GRASSROOTS_OFFICIAL", _("Grassroots official")
        TEACHER = "TEACHER", _("Teacher")
        HEALTH_WORKER = "HEALTH_WORKER", _("Health worker")
        DISCHARGED_SOLDIER = "DISCHARGED_SOLDIER", _("Discharged soldier")
        # Held in a cell (`unit`): its committee (chi ủy) on a date is the members
        # holding these on that date.
        CELL_SECRETARY = "CELL_SECRETARY", _("Cell secretary")
        CELL_DEPUTY_SECRETARY = "CELL_DEPUTY_SECRETARY", _("Deputy cell secretary")
        CELL_COMMITTEE = "CELL_COMMITTEE", _("Cell committee member")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="positions", verbose_name=_("person")
    )
    kind = models.CharField(_("position"), max_length=24, choices=Kind.choices)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("locality")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organisation")
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["-start_on"]
        verbose_name = _("position held")
        verbose_name_plural = _("positions held")

    def __str__(self) -> str:
        return self.get_kind_display()


CELL_COMMITTEE_POSITIONS = (
    Position.Kind.CELL_SECRETARY,
    Position.Kind.CELL_DEPUTY_SECRETARY,
    Position.Kind.CELL_COMMITTEE,
)


class Residence(models.Model):
    """Where a person lived over a period (start ≤ day < end). `Person.residence` is the
    current one, kept in step by `dangvien.records.people.move_residence` (and, for the
    imports and the new-candidate form, `dangvien.people.residence.follow_residence`);
    reports for a past date read this history. A start left empty means "since before the
    records begin"."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="residences", verbose_name=_("person")
    )
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        related_name="residence_history",
        verbose_name=_("place of residence"),
    )
    start_on = models.DateField(_("from"), null=True, blank=True)
    end_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("residence")
        verbose_name_plural = _("residence history")
        indexes = [
            models.Index(fields=["locality", "start_on", "end_on"], name="residence_dates"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="residence_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.locality}"


def resident_on_q(day: dt.date, prefix: str = "") -> Q:
    """Q for 'this residence row holds on `day`'."""
    return (Q(**{f"{prefix}start_on__isnull": True}) | Q(**{f"{prefix}start_on__lte": day})) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gt": day})
    )


class PersonScope(models.Model):
    """Who may see a person, kept beside the rows it follows (`dangvien.people.scope`):
    one row per key "u<unit path>" for every unit path (the person's units and each of
    their superiors) under which `PersonQuerySet.within` finds the person, and
    "l<locality path>" likewise for a non-member's place of residence. An officer whose
    scope is the subtree of the unit path P sees exactly the people with a row "uP" (or
    "lQ" for a locality Q the unit leads). The accent-free name is copied in, so that a
    scope's name search is one range of the index (key, search_name, person)."""

    # Indexed by the unique (person, key), which leads with it.
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="scopes",
        db_index=False,
        db_constraint=False,  # derived rows: migration 0008
    )
    key = models.CharField(max_length=402)
    search_name = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="person_scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.key}"


class PersonScopeWord(models.Model):
    """The later words of the names in the person → scope table: one row per row of
    `PersonScope` and per word after the first of its name, holding the name from that
    word on (`suffix`: "nguyen van an" → "van an", "an"). A wide scope's search for the
    names where only a later word starts with the text ("van a") is then one range of
    the index (key, suffix, search_name, person) per key, however rare the matches
    among the scope's people. Kept with `PersonScope` by `dangvien.people.scope`."""

    # Indexed by the migration (person_scope_word_person), after the rows.
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="scope_words",
        db_index=False,
        db_constraint=False,  # derived rows: migration 0008
    )
    key = models.CharField(max_length=402)
    suffix = models.CharField(max_length=128)
    search_name = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"{self.person_id} {self.key} {self.suffix}"
