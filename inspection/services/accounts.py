"""The commission's accounts (账号管理), without the Django admin.

    create_account(actor=, username=, full_name=, role=, home_township=None, township=None, started_on=None)
                                              → (user, temporary password)
    set_account_active(actor=, user=, active=, reason=)   disable / enable; a disabled account's sessions
                                                          and API tokens die with it
    reset_password(actor=, user=)             → a new temporary password, shown once
    change_role(actor=, user=, role=)         inspector / official / commission / observer
    clear_password_change(user=)              the holder chose their own password

Every account starts with a temporary password that must be changed at the first sign-in
(`Profile.must_change_password`). The commission can never leave its county without an active
commission account: the last one can be neither disabled nor given another role.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, InspectionError, NotFound
from inspection.models import Inspector, Official, Post, Profile, Role, Township
from inspection.services.audit import record_event
from inspection.services.officials import appoint

USERNAME_MAX = 150
NAME_MAX = 64
# Letters a person reads off a screen and types on a phone without mistaking one for another.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ROLE_LABELS = {value: str(label) for value, label in Role.choices}


def temporary_password() -> str:
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        # Django's validators refuse an all-digit password; this alphabet makes that impossible, but
        # a password is only ever handed out after the same validators accepted it.
        try:
            validate_password(raw)
        except ValidationError:
            continue
        return raw


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise InspectionError("请填写登录名")
    if len(username) > USERNAME_MAX:
        raise InspectionError(f"登录名不能超过{USERNAME_MAX}个字符")
    if not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        raise InspectionError("登录名只能包含字母、数字和 @ . + - _")
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise Conflict(f"登录名“{username}”已被使用")
    return username


def _clean_name(full_name: str) -> str:
    full_name = (full_name or "").strip()
    if not full_name:
        raise InspectionError("请填写姓名")
    if len(full_name) > NAME_MAX:
        raise InspectionError(f"姓名不能超过{NAME_MAX}个字符")
    return full_name


def _check_role(role: str) -> str:
    if role not in ROLE_LABELS:
        raise InspectionError("角色只能是：" + "、".join(ROLE_LABELS.values()))
    return role


def _in_county(county, township: Township | None, what: str) -> None:
    if township is not None and township.county_id != county.pk:
        raise NotFound(f"本县没有该{what}")


@transaction.atomic
def create_account(*, actor, username: str, full_name: str, role: str, home_township: Township | None = None,
                   township: Township | None = None, started_on=None):
    """A new account of the actor's county with a temporary password (returned, never stored in clear).
    An inspector may name a home township (never sent there); an official may be appointed at once to a
    township that has no current official."""
    county = actor.profile.county
    username, full_name, role = _clean_username(username), _clean_name(full_name), _check_role(role)
    _in_county(county, home_township, "乡镇（街道）")
    _in_county(county, township, "乡镇（街道）")
    password = temporary_password()
    user = get_user_model().objects.create_user(username=username, password=password, first_name=full_name)
    Profile.objects.create(user=user, role=role, county=county, must_change_password=True)
    if role == Role.INSPECTOR:
        Inspector.objects.create(user=user, county=county, name=full_name, home_township=home_township)
    elif role == Role.OFFICIAL:
        official = Official.objects.create(user=user, county=county, name=full_name)
        if township is not None:
            appoint(official=official, township=township, on=started_on or timezone.localdate())
    record_event("user.created", actor=actor, county=county, obj=user, data={
        "username": username, "name": full_name, "role": role,
        "home_township": home_township.code if home_township else None,
        "township": township.code if township else None,
    })
    return user, password


def _profile(user) -> Profile:
    return Profile.objects.select_for_update().select_related("county").get(user=user)


def _other_active_commission(profile: Profile) -> bool:
    return (
        Profile.objects.filter(county=profile.county, role=Role.COMMISSION, user__is_active=True)
        .exclude(pk=profile.pk).exists()
    )


def _keep_one_commission(profile: Profile, user) -> None:
    # Locks the county's commission profiles, so two staff disabling each other at once cannot both pass.
    list(Profile.objects.select_for_update().filter(county=profile.county, role=Role.COMMISSION).values_list("pk"))
    if profile.role == Role.COMMISSION and user.is_active and not _other_active_commission(profile):
        raise Conflict("这是本县最后一个可用的未保办账号，不能停用或改为其他角色；请先为其他工作人员开设未保办账号")


def end_sessions(user) -> int:
    """Every signed-in session of `user` ends now (their next request is signed out)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def set_account_active(*, actor, user, active: bool, reason: str = ""):
    profile = _profile(user)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InspectionError("原因不能超过500个字")
    if bool(user.is_active) == bool(active):
        return user
    if not active:
        _keep_one_commission(profile, user)
    user.is_active = active
    user.save(update_fields=["is_active"])  # the account signal revokes every API token
    sessions = 0 if active else end_sessions(user)
    if profile.role == Role.INSPECTOR:
        Inspector.objects.filter(user=user).update(active=active)
    record_event("user.enabled" if active else "user.disabled", actor=actor, county=profile.county, obj=user,
                 data={"username": user.get_username(), "reason": reason, "sessions_ended": sessions})
    return user


@transaction.atomic
def reset_password(*, actor, user) -> str:
    profile = _profile(user)
    password = temporary_password()
    user.set_password(password)
    user._ancha_changed_by = actor  # the account signal audits the change and revokes the tokens
    user.save(update_fields=["password"])
    end_sessions(user)
    profile.must_change_password = True
    profile.save(update_fields=["must_change_password"])
    record_event("user.password_reset", actor=actor, county=profile.county, obj=user,
                 data={"username": user.get_username()})
    return password


@transaction.atomic
def change_role(*, actor, user, role: str):
    profile = _profile(user)
    role = _check_role(role)
    old = profile.role
    if role == old:
        return profile
    _keep_one_commission(profile, user)
    name = user.get_full_name() or user.get_username()
    if old == Role.INSPECTOR:
        Inspector.objects.filter(user=user).update(active=False)  # off the roster; past visits keep them
    if role == Role.INSPECTOR:
        inspector, _ = Inspector.objects.get_or_create(user=user, defaults={"county": profile.county, "name": name})
        Inspector.objects.filter(pk=inspector.pk).update(active=user.is_active)
    if role == Role.OFFICIAL:
        Official.objects.get_or_create(user=user, defaults={"county": profile.county, "name": name})
    if old == Role.OFFICIAL and role != Role.OFFICIAL:
        official = Official.objects.filter(user=user).first()
        if official is not None and Post.objects.filter(official=official, ended_on__isnull=True).exists():
            raise Conflict(f"{name}仍在乡镇任职，请先办理调任（离任）再变更角色")
    profile.role = role
    if role != Role.COMMISSION:
        profile.report_officer = profile.commission_head = False
    profile.save()  # the profile signal revokes the API tokens of the old role
    end_sessions(user)
    record_event("user.role_changed", actor=actor, county=profile.county, obj=user,
                 data={"username": user.get_username(), "from": old, "to": role})
    return profile


@transaction.atomic
def clear_password_change(*, user) -> None:
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
