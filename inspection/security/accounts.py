"""Changes to an account that end its API tokens: a new password, a role changed or removed, the
account made inactive. Receivers, so that every route (the web page, the admin, `changepassword`,
the ORM) is covered, not only the pages Ancha draws itself.

Who made a password change is known only to the page that made it: it sets `_ancha_changed_by`
on the user before saving; other routes are audited without an actor.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from inspection.models import ApiToken, Profile
from inspection.services.tokens import record_password_change, revoke_tokens_of

User = get_user_model()


@receiver(post_save, sender=User, dispatch_uid="ancha-account-saved")
def _on_user_saved(sender, instance, created, **kwargs):
    if created:
        return
    # AbstractBaseUser keeps the new raw password in `_password` until save() has finished.
    if getattr(instance, "_password", None) is not None:
        record_password_change(user=instance, actor=getattr(instance, "_ancha_changed_by", None))
    if not instance.is_active:
        revoke_tokens_of(user=instance, reason=ApiToken.Revoked.ROLE)


@receiver(pre_save, sender=Profile, dispatch_uid="ancha-profile-before")
def _remember_role(sender, instance, **kwargs):
    instance._ancha_old_role = (
        Profile.objects.filter(pk=instance.pk).values_list("role", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Profile, dispatch_uid="ancha-profile-saved")
def _on_profile_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_ancha_old_role", None)
    if not created and old is not None and old != instance.role:
        revoke_tokens_of(user=instance.user, reason=ApiToken.Revoked.ROLE)


@receiver(post_delete, sender=Profile, dispatch_uid="ancha-profile-deleted")
def _on_profile_deleted(sender, instance, **kwargs):
    user = User._default_manager.filter(pk=instance.user_id).first()
    if user is not None:
        revoke_tokens_of(user=user, reason=ApiToken.Revoked.ROLE)
