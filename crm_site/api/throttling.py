"""Request rates per signed-in user (by address for anonymous requests), in the default cache as the pages'
throttles (crm_site/org/throttle.py): Redis in production; when the cache is down nothing is throttled."""

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from crm_site.org.network import client_ip

logger = logging.getLogger(__name__)


class _ReadsSettings:
    """The rate is read from settings at each request (DRF reads it once, at import), so tests can change it."""

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_ident(self, request) -> str:
        return client_ip(request)  # behind the proxy as the login lockout and the pages' throttles see it

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("Throttle cache unavailable; %s not throttled", request.path, exc_info=True)
            return True


class ApiUserThrottle(_ReadsSettings, UserRateThrottle):
    scope = "api_user"


class ApiAnonThrottle(_ReadsSettings, AnonRateThrottle):
    scope = "api_anon"


class SurveyAnswerThrottle(_ReadsSettings, AnonRateThrottle):
    """The public survey answer endpoint, per client address, as the public answer page: reading the questions."""

    scope = "survey_answer"


class SurveyAnswerPostThrottle(SurveyAnswerThrottle):
    """Sending the answers (fewer: a person sends once or twice)."""

    scope = "survey_answer_post"
