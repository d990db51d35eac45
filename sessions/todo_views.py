"""The "À faire" page: what the signed-in person owes (``sessions.todo``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from . import todo


@login_required
def todo_page(request):
    """Debriefs, observations and notice acknowledgements the user owes, with their due dates;
    overdue ones first. The landing page of CEOs and mediators."""
    now = timezone.now()
    items = todo.todo_for(request.user, now=now)
    extra = todo.extra_todo_for(request.user, now=now)
    return render(
        request,
        "sessions/todo.html",
        {
            "items": items,
            "extra": extra,
            "overdue": sum(1 for i in (*items, *extra) if i.overdue),
            "hours": int(todo.overdue_after().total_seconds() // 3600),
        },
    )
