from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from .validators import HandleValidator, NotReservedValidator


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """
    A member of the cooperative, and staff when ``is_staff``.

    Members sign in with their email or username. The username is the member's fediverse handle,
    so it is unique regardless of case and limited to what handles may hold.
    """

    username = models.CharField(
        "username",
        max_length=30,
        unique=True,
        validators=[HandleValidator(), NotReservedValidator()],
        help_text="1 to 30 letters, digits or underscores; also your fediverse handle.",
        error_messages={"unique": "A member with that username already exists."},
    )
    email = models.EmailField("email address", unique=True, error_messages={"unique": "This email is in use."})

    objects = MemberManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "member"
        verbose_name_plural = "members"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="account_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="account_user_email_ci_unique"),
        ]

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()
