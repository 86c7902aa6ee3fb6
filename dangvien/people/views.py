from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import render

from dangvien.core.views import get_visible, today
from dangvien.membership.models import Stint

from .forms import PersonFilter
from .models import Person

PAGE_SIZE = 50


def person_list(request):
    day = today()
    form = PersonFilter(request.GET or None, user=request.user, today=day)
    people = Person.objects.visible_to(request.user)
    if form.is_bound and form.is_valid():
        people = form.apply(people)
    latest = Stint.objects.filter(membership__person=OuterRef("pk")).order_by("-start_on")
    people = people.select_related("ethnicity", "religion").annotate(
        unit_name=Subquery(latest.values("unit__name")[:1]),
        unit_code=Subquery(latest.values("unit__code")[:1]),
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/person_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "day": day,
        },
    )


def person_detail(request, pk: int):
    person = get_visible(
        Person.objects.visible_to(request.user).select_related(
            "ethnicity", "religion", "residence"
        ),
        pk=pk,
    )
    day = today()
    memberships = person.memberships.prefetch_related("stints__unit").order_by("ceremony_on")
    history = [
        {
            "m": m,
            "status": m.status_on(day),
            "changes": m.status_changes(),
            "stints": m.stints.all(),
        }
        for m in memberships
    ]
    positions = person.positions.select_related("locality", "unit")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "history": history,
            "positions": positions,
            "day": day,
            "age": person.age_on(day),
        },
    )
