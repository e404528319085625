"""Password guessing on the admin login page is throttled per client address and per
(address, e-mail) pair, with a per-account ceiling that slows but never locks the account; a
throttled attempt is refused with 429 before the password is even checked."""

import contextlib

import pytest
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.test import Client

from backoffice.models import User
from tests.backoffice.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = (3, 900)


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="staff@percus.example")


@pytest.fixture
def other_staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="other@percus.example")


def attempt(email: str, password: str, address: str = "203.0.113.1"):
    """One login through the real page, from a fresh browser at ``address``."""
    client = Client(REMOTE_ADDR=address)
    client.get(LOGIN)  # the form, as a browser would fetch it first
    return client.post(LOGIN, {"username": email, "password": password, "next": "/admin/"})


def logged_in_as(response) -> User | None:
    user = response.wsgi_request.user
    return user if user.is_authenticated else None


@contextlib.contextmanager
def authentication_signals():
    """Records Django's login signals: any password check sends one of them."""
    sent: list[str] = []

    def failed(**kwargs):
        sent.append("failed")

    def logged_in(**kwargs):
        sent.append("logged_in")

    user_login_failed.connect(failed)
    user_logged_in.connect(logged_in)
    try:
        yield sent
    finally:
        user_login_failed.disconnect(failed)
        user_logged_in.disconnect(logged_in)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response["Content-Type"].startswith("text/html")
    assert "Too many failed logins" in response.content.decode()
    assert "try again in 15 minutes" in response.content.decode()
    assert logged_in_as(response) is None


def test_a_wrong_password_is_the_usual_form_error(staff):
    response = attempt(staff.email, "wrong")
    assert response.status_code == 200
    assert "Please enter the correct" in response.content.decode()


def test_past_the_limit_the_page_answers_429_without_checking_the_password(staff):
    for _ in range(3):
        assert attempt(staff.email, "wrong").status_code == 200

    with authentication_signals() as sent:
        wrong = attempt(staff.email, "wrong")
        right = attempt(staff.email, PASSWORD)

    assert_throttled(wrong)
    assert_throttled(right)  # even the right password: it is not looked at
    assert sent == []  # no authenticate() call, failed or successful


def test_failures_count_per_client_address_across_e_mails(staff, other_staff):
    for index in range(3):
        attempt(f"nobody{index}@percus.example", "wrong", address="203.0.113.5")

    assert_throttled(attempt(staff.email, PASSWORD, address="203.0.113.5"))
    # Another address logs in with the same account.
    assert attempt(staff.email, PASSWORD, address="198.51.100.2").status_code == 302


def test_failures_lock_the_address_and_account_pair(staff, other_staff):
    for _ in range(3):
        attempt(staff.email.upper(), "wrong", address="203.0.113.10")

    # Case and spaces do not make another e-mail.
    assert_throttled(attempt(f"  {staff.email} ", PASSWORD, address="203.0.113.10"))


def test_nobody_can_lock_the_owner_out(staff):
    """Failures from any number of addresses leave the account usable from an address that
    has not failed for it (the per-e-mail lock of the first round did lock it out)."""
    for index in range(3):
        for _ in range(3):
            attempt(staff.email, "wrong", address=f"203.0.113.{10 + index}")

    assert_throttled(attempt(staff.email, PASSWORD, address="203.0.113.10"))
    response = attempt(staff.email, PASSWORD, address="198.51.100.3")
    assert response.status_code == 302
    assert logged_in_as(response) == staff


def test_past_the_account_ceiling_each_address_gets_one_try(settings, staff, other_staff):
    settings.ADMIN_LOGIN_ACCOUNT_CEILING = (4, 900)
    for index in range(2):
        for _ in range(2):
            attempt(staff.email, "wrong", address=f"203.0.113.{10 + index}")

    # The ceiling is reached: an address that failed once for the account is done with it...
    assert_throttled(attempt(staff.email, PASSWORD, address="203.0.113.10"))
    assert attempt(staff.email, "wrong", address="198.51.100.20").status_code == 200
    assert_throttled(attempt(staff.email, PASSWORD, address="198.51.100.20"))
    # ...while an address with no failures for it still logs in,
    fresh = attempt(staff.email, PASSWORD, address="198.51.100.21")
    assert logged_in_as(fresh) == staff
    # and the addresses that failed may still log in to another account.
    ok = attempt(other_staff.email, PASSWORD, address="203.0.113.10")
    assert ok.status_code == 302
    assert logged_in_as(ok) == other_staff


def test_successful_logins_do_not_count(staff):
    for _ in range(5):
        response = attempt(staff.email, PASSWORD)
        assert response.status_code == 302
        assert logged_in_as(response) == staff


def test_a_non_staff_account_counts_as_a_failure(db):
    person = UserFactory(email="member@percus.example")
    for _ in range(3):
        assert attempt(person.email, PASSWORD).status_code == 200

    assert_throttled(attempt(person.email, PASSWORD))
