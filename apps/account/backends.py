"""
How a member signs in: by email or username, in any case.

This module stays at ``apps.account.backends`` while others moved into subpackages: every signed-in
session stores the backend's dotted path, and Django signs out a session whose path is no longer in
``AUTHENTICATION_BACKENDS``, so moving it would sign every member out of every site.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    """Sign in with either the email address or the username, in any case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        user = User._default_manager.by_login(login).first()
        if user is None:
            # Hash anyway, so the answer takes as long for an unknown login as for a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
