from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "inspection"
    verbose_name = "暗查暗访"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from inspection.security import accounts, signin  # noqa: F401  connects the sign-in and account receivers
