"""What a reader sees of their notifications: the bell, the list, following one, marking read, preferences.

Expected behaviour is the task's: the bell counts the reader's unread notifications with one query; the list is
the reader's own, newest first; a notification links to its subject only while the subject's own gate lets the
reader open it; another person's notification answers 404.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from crm_site.notifications.context_processors import notification_bell
from crm_site.notifications.models import Notification, NotificationPreference
from crm_site.org.access import access_of
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

from . import OTHER_KIND, TEST_KIND, kinds_registered, tell

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kinds():
    with kinds_registered():
        yield


@pytest.fixture
def complaint(frontline, customer):
    return ComplaintFactory(actor=frontline, customer=customer)


def unread_of(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


# --- The bell -----------------------------------------------------------------------------------------------------


def test_the_bell_counts_the_readers_unread_notifications_only(client, frontline, manager, complaint):
    for moment in ("a", "b", "c"):
        tell(frontline, complaint, moment)
    Notification.objects.filter(recipient=frontline, key__contains=":a:").update(read_at=timezone.now())
    tell(manager, complaint)  # someone else's
    client.force_login(frontline)
    response = client.get(reverse("home"))
    assert response.context["notification_bell"]["unread"] == 2
    page = response.content.decode()
    assert 'data-testid="notification-bell"' in page
    assert 'data-testid="notification-count">2<' in page
    assert f'href="{reverse("notifications:list")}"' in page


def test_the_bell_without_unread_notifications_shows_no_number(client, frontline):
    client.force_login(frontline)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="notification-bell"' in page
    assert 'data-testid="notification-count"' not in page


def test_the_bell_is_one_query_however_many_notifications(frontline, complaint):
    request = RequestFactory().get("/")
    request.user = frontline
    access_of(frontline)  # the navigation has read the user's role by the time the bell is drawn
    counts = []
    for moment in ("1", "2", "3", "4", "5"):
        tell(frontline, complaint, moment)
        with CaptureQueriesContext(connection) as queries:
            bell = notification_bell(request)["notification_bell"]
            counts.append((bell["unread"], len(queries)))
    assert counts == [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]


def test_a_page_costs_the_same_with_one_notification_or_many(client, frontline, complaint):
    client.force_login(frontline)
    tell(frontline, complaint, "first")
    client.get(reverse("home"))  # warm: session, caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for moment in range(10):
        tell(frontline, complaint, str(moment))
    with CaptureQueriesContext(connection) as eleven:
        response = client.get(reverse("home"))
    assert response.context["notification_bell"]["unread"] == 11
    assert len(eleven) == len(one)


def test_a_page_that_draws_no_bell_asks_nothing(frontline):
    request = RequestFactory().get("/")
    request.user = frontline
    with CaptureQueriesContext(connection) as queries:
        notification_bell(request)
    assert len(queries) == 0


def test_no_bell_for_visitors_nor_for_people_without_a_role(client):
    page = client.get(reverse("login")).content.decode()
    assert 'data-testid="notification-bell"' not in page
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="notification-bell"' not in page


# --- The list -----------------------------------------------------------------------------------------------------


def test_the_list_shows_the_readers_own_notifications_newest_first(client, frontline, frontline_other, complaint):
    older = tell(frontline, complaint, "older")
    newer = tell(frontline, complaint, "newer")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=3))
    theirs = tell(frontline_other, complaint, "theirs")
    client.force_login(frontline)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    shown = [entry["notification"].pk for entry in response.context["entries"]]
    assert shown == [newer.pk, older.pk]
    assert theirs.pk not in shown
    page = response.content.decode()
    assert f"Complaint {complaint.number} registered." in page
    assert f'href="{reverse("notifications:open", args=[newer.pk])}"' in page
    assert f'href="{reverse("notifications:open", args=[theirs.pk])}"' not in page


def test_the_list_pages_twenty_at_a_time(client, frontline, complaint):
    made = [tell(frontline, complaint, str(n)) for n in range(25)]
    for age, notification in enumerate(made):  # made[0] newest
        Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=age))
    client.force_login(frontline)
    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list"), {"page": 2})
    assert [e["notification"].pk for e in first.context["entries"]] == [n.pk for n in made[:20]]
    assert [e["notification"].pk for e in second.context["entries"]] == [n.pk for n in made[20:]]


def test_the_list_filters_unread_and_by_kind(client, frontline, complaint):
    read = tell(frontline, complaint, "read")
    unread = tell(frontline, complaint, "unread")
    other_kind = tell(frontline, complaint, "other", kind=OTHER_KIND)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(frontline)

    def shown(**params):
        response = client.get(reverse("notifications:list"), params)
        return {e["notification"].pk for e in response.context["entries"]}

    assert shown() == {read.pk, unread.pk, other_kind.pk}
    assert shown(show="unread") == {unread.pk, other_kind.pk}
    assert shown(kind=TEST_KIND) == {read.pk, unread.pk}
    assert shown(show="unread", kind=TEST_KIND) == {unread.pk}
    assert shown(kind="no.such.kind") == {read.pk, unread.pk, other_kind.pk}  # not understood: ignored
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'<option value="{TEST_KIND}">Complaints</option>' in page  # the kind's registered label


def test_an_empty_list_says_so(client, frontline):
    client.force_login(frontline)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "You have no notifications." in response.content.decode()
    assert 'data-testid="read-all"' not in response.content.decode()


def test_a_filter_that_matches_nothing_offers_everything(client, frontline, complaint):
    Notification.objects.filter(pk=tell(frontline, complaint).pk).update(read_at=timezone.now())
    client.force_login(frontline)
    page = client.get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "No notification matches these filters." in page


def test_the_list_in_chinese_says_it_in_chinese(client, frontline, complaint):
    tell(frontline, complaint)
    client.force_login(frontline)
    page = chinese(client).get(reverse("notifications:list")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert f"投诉 {complaint.number} 已登记。" in page  # the kind's title, from the catalogue
    assert "全部标为已读" in page
    assert "通知" in page


# --- Following a notification through its subject's gate ---------------------------------------------------------


def test_following_a_notification_reads_it_and_opens_its_subject(client, frontline, complaint):
    notification = tell(frontline, complaint)
    tell(frontline, complaint, "another")
    client.force_login(frontline)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client.get(response["Location"]).context["notification_bell"]["unread"] == 1


def test_a_subject_the_reader_can_no_longer_open_shows_its_text_without_a_link(
    client, frontline, complaint, other_branch
):
    notification = tell(frontline, complaint)
    # The complaint moves to another branch (as a transfer would): the branch-A clerk may no longer open it.
    Complaint.objects.filter(pk=complaint.pk).update(branch=other_branch)
    client.force_login(frontline)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    response = client.get(reverse("notifications:list"))
    (entry,) = response.context["entries"]
    assert entry["can_open"] is False
    page = response.content.decode()
    assert f"Complaint {complaint.number} registered." in page
    assert "You can no longer open this." in page
    assert f'href="{reverse("notifications:open", args=[notification.pk])}"' not in page
    # An old link (an e-mail's) still reads it, and comes back to the list saying why it went nowhere.
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You can no longer open what this notification is about."
    ]
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_manager_of_the_new_branch_is_linked_where_the_old_clerk_is_not(client, frontline, complaint, other_branch):
    from crm_site.org.roles import Role
    from tests.factories import staff

    manager_b = staff(Role.MANAGER, other_branch)
    Complaint.objects.filter(pk=complaint.pk).update(branch=other_branch)
    theirs = tell(manager_b, complaint)
    client.force_login(manager_b)
    response = client.get(reverse("notifications:open", args=[theirs.pk]))
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])


def test_another_persons_notification_is_not_found(client, frontline, frontline_other, complaint):
    theirs = tell(frontline_other, complaint)
    client.force_login(frontline)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[2**62])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- Marking read -------------------------------------------------------------------------------------------------


def test_mark_one_read(client, frontline, complaint):
    one = tell(frontline, complaint, "one")
    two = tell(frontline, complaint, "two")
    client.force_login(frontline)
    back = reverse("notifications:list") + "?show=unread"
    response = client.post(reverse("notifications:read", args=[one.pk]), {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None
    assert two.read_at is None


def test_mark_read_goes_back_only_to_this_site(client, frontline, complaint):
    one = tell(frontline, complaint)
    client.force_login(frontline)
    response = client.post(reverse("notifications:read", args=[one.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_marking_read_needs_a_post(client, frontline, complaint):
    one = tell(frontline, complaint)
    client.force_login(frontline)
    assert client.get(reverse("notifications:read", args=[one.pk])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405
    one.refresh_from_db()
    assert one.read_at is None


def test_mark_all_read_reads_the_readers_own_and_says_how_many(client, frontline, frontline_other, complaint):
    for moment in ("a", "b"):
        tell(frontline, complaint, moment)
    already = tell(frontline, complaint, "c")
    read_at = timezone.now() - timedelta(days=1)
    Notification.objects.filter(pk=already.pk).update(read_at=read_at)
    theirs = tell(frontline_other, complaint)
    client.force_login(frontline)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["2 notifications marked read."]
    assert unread_of(frontline) == 0
    assert response.context["notification_bell"]["unread"] == 0
    already.refresh_from_db()
    assert already.read_at == read_at  # read before: left as it was
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["There was nothing unread."]


def test_mark_all_read_in_chinese(client, frontline, complaint):
    tell(frontline, complaint)
    client.force_login(frontline)
    response = chinese(client).post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已将 1 条通知标为已读。"]


# --- Preferences --------------------------------------------------------------------------------------------------


def test_preferences_start_from_the_default_and_are_saved(client, frontline):
    client.force_login(frontline)
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 200
    # The model's default: e-mail at once, in the site's language.
    assert response.context["form"].initial == {"delivery": "email", "language": ""}
    response = client.post(
        reverse("notifications:preferences"), {"delivery": "digest", "language": "zh-hans"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Your notification preferences are saved."]
    preference = NotificationPreference.objects.get(user=frontline)
    assert (preference.delivery, preference.language) == ("digest", "zh-hans")
    assert client.get(reverse("notifications:preferences")).context["form"].initial == {
        "delivery": "digest",
        "language": "zh-hans",
    }


def test_preferences_refuse_what_is_not_offered(client, frontline):
    client.force_login(frontline)
    response = client.post(reverse("notifications:preferences"), {"delivery": "pigeon", "language": "fr"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"delivery", "language"}
    assert not NotificationPreference.objects.filter(user=frontline).exists()


def test_preferences_say_when_there_is_no_address_to_mail(client, frontline):
    frontline.email = ""
    frontline.save(update_fields=["email"])
    client.force_login(frontline)
    assert 'data-testid="no-email"' in client.get(reverse("notifications:preferences")).content.decode()


def test_preferences_in_chinese(client, frontline):
    client.force_login(frontline)
    chinese(client)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "通知设置" in page
    response = client.post(reverse("notifications:preferences"), {"delivery": "in_app", "language": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["通知设置已保存。"]
