"""Callbacks from the gateway: Midjourney's `notifyHook`, called when a task the studio sent finishes.

The hook is only a nudge: the posted body is never trusted for results. A valid token moves the
generation's next status check to now, and the poller asks the gateway itself on its next tick. A lost or
stripped hook costs only time, since polling goes on as before.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from studio.generations import services
from studio.generations.kinds.midjourney import is_notify_token
from studio.generations.models import Generation


@csrf_exempt
@require_POST
def midjourney_notify(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Asks the poller to check the generation at once; 404 unless the token is the one it was sent with."""
    # The token authenticates the caller, so it is checked before the row is looked up: an unknown id and
    # a wrong token answer alike.
    if not is_notify_token(pk, token):
        return HttpResponseNotFound()
    generation = Generation.objects.filter(pk=pk).first()
    if generation is None:
        return HttpResponseNotFound()
    services.check_generation_now(generation=generation)
    return HttpResponse(status=204)
