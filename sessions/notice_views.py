"""Pages of the assessment notice (``sessions.notices``): the candidate's page reached by a
signed link, and the recruiters' actions on the application's sessions page (send it again,
record an acknowledgement given on paper)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cso_recruit import access

from . import notices


def _language(request, notice) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang") or ""
    return asked if asked in dict(settings.LANGUAGES) else notice.language


@never_cache
@require_http_methods(["GET", "POST"])
def notice_page(request, token):
    """The candidate's notice, in their language (French by default, English on request), with
    the button that acknowledges it; a bad or expired link shows a clear page and nothing else."""
    try:
        notice = notices.notice_check(token)
    except notices.NoticeLinkError as exc:
        return render(
            request,
            "sessions/debrief_link_error.html",
            {"reason": exc.reason},
            status=410 if exc.reason == "expired" else 404,
        )
    language = _language(request, notice)
    error = ""
    if request.method == "POST":
        try:
            notice = notices.notice_acknowledge(
                token=token,
                language=language,
                confidentiality=request.POST.get("confidentiality") == "1",
                shown_sha256=request.POST.get("shown") or "",  # none sent: nothing known read, refused
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(f"{request.path}?lang={language}")
    with translation.override(language):
        content = notices.notice_content(notice.application, language)
        text = notices.notice_text(notice.application, language, content)
        return render(
            request,
            "sessions/notice.html",
            {
                "notice": notice,
                "candidate": notice.application.candidate,
                "company": content.company,
                "pack": content.pack,
                "text": text,
                "shown": notices.text_sha256(text),
                "language": language,
                "error": error,
                "confidentiality": request.POST.get("confidentiality") == "1",
            },
        )


def _managed_application(request, application_pk):
    """The application if ``request.user`` manages its mandate; 404 otherwise (out of scope and
    missing look the same)."""
    application = access.get_visible_or_404(
        access.applications_visible_to(request.user).select_related("candidate", "mandate"), pk=application_pk
    )
    if not access.can_manage_mandate(request.user, application.mandate):
        raise Http404
    return application


@login_required
@require_POST
def notice_send(request, application_pk):
    """Send the candidate a new notice link (in the language chosen), e.g. when the first expired."""
    application = _managed_application(request, application_pk)
    language = request.POST.get("lang", "fr")
    try:
        notices.notice_send(application=application, language=language)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The notice is on its way to %(email)s.") % {"email": application.candidate.email}
        )
    return redirect("working_sessions:application", application_pk=application.pk)


class PaperAcknowledgementForm(forms.Form):
    """Why the candidate's acknowledgement was given on paper, and in which language."""

    reason = forms.CharField(
        label=gettext_lazy("Why on paper"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For instance: the candidate has no e-mail access; signed copy filed on 3 December."
        ),
    )
    signed_on = forms.DateField(
        label=gettext_lazy("Date on the signed copy"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the paper copy"), choices=settings.LANGUAGES)


@login_required
@require_http_methods(["GET", "POST"])
def notice_paper(request, application_pk):
    """Record an acknowledgement the candidate gave on paper (recruiters of the mandate)."""
    application = _managed_application(request, application_pk)
    form = PaperAcknowledgementForm(
        request.POST or None, initial={"language": "fr", "signed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notices.notice_record_on_paper(
                application=application,
                by=request.user,
                reason=form.cleaned_data["reason"],
                signed_on=form.cleaned_data["signed_on"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, errors)
        else:
            messages.success(request, _("The acknowledgement given on paper is recorded."))
            return redirect("working_sessions:application", application_pk=application.pk)
    return render(request, "sessions/notice_paper.html", {"application": application, "form": form})
