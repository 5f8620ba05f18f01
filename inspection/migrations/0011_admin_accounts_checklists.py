from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inspection", "0010_merge_session_three")]

    operations = [
        migrations.AlterField(
            model_name="county",
            name="policy",
            field=models.JSONField(blank=True, default=dict, help_text="空表示使用默认规则（第1版）", verbose_name="问责规则"),
        ),
        migrations.AddField(
            model_name="profile",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改临时密码"),
        ),
        migrations.AddField(
            model_name="checklist",
            name="draft",
            field=models.BooleanField(default=False, verbose_name="草稿"),
        ),
        migrations.AddField(
            model_name="checklist",
            name="effective_on",
            field=models.DateField(blank=True, null=True, verbose_name="施行日期"),
        ),
        migrations.AddField(
            model_name="checklist",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="发布时间"),
        ),
    ]
