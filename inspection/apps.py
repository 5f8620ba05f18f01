from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "inspection"
    verbose_name = "暗查暗访"
    default_auto_field = "django.db.models.BigAutoField"
