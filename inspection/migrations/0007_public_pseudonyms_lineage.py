"""The county's pseudonym secret (one fresh secret per existing county), township lineage, and a
township's establishment date. The default is `secrets.token_hex` (32 random bytes), as on the
model; the data step gives every existing county its own secret."""

import secrets

import django.db.models.deletion
from django.db import migrations, models


def new_secret():
    return secrets.token_hex(32)


def give_each_county_its_own_secret(apps, schema_editor):
    County = apps.get_model("inspection", "County")
    for county in County.objects.all():
        county.pseudonym_secret = new_secret()
        county.save(update_fields=["pseudonym_secret"])


class Migration(migrations.Migration):
    dependencies = [("inspection", "0006_work_state")]

    operations = [
        migrations.AddField(
            model_name="county",
            name="pseudonym_secret",
            field=models.CharField(default=secrets.token_hex, editable=False, max_length=64),
        ),
        # AddField evaluates the default once for every existing row: give each county its own.
        migrations.RunPython(give_each_county_its_own_secret, migrations.RunPython.noop),
        migrations.AddField(
            model_name="county",
            name="commitment_channels",
            field=models.TextField(
                blank=True, verbose_name="承诺的其他公布渠道",
                help_text="每行一处，如：黔西市人民政府门户网站“政务公开”栏目；抄送市纪委监委存档。公开页据此列出。",
            ),
        ),
        migrations.AddField(
            model_name="township",
            name="established_on",
            field=models.DateField(blank=True, help_text="区划调整新设的乡镇（街道）填写；原有的留空",
                                   null=True, verbose_name="设立日期"),
        ),
        migrations.CreateModel(
            name="TownshipLineage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("predecessor_code", models.CharField(max_length=12, verbose_name="原统计代码")),
                ("kind", models.CharField(choices=[("merge", "合并"), ("split", "拆分"), ("recode", "更名或代码调整")],
                                          default="merge", max_length=8, verbose_name="调整类型")),
                ("changed_on", models.DateField(verbose_name="调整日期")),
                ("source", models.CharField(blank=True, help_text="如：区划代码文件或批复文号", max_length=128,
                                            verbose_name="依据")),
                ("predecessor", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="successors", to="inspection.township",
                                                  verbose_name="原乡镇（街道）")),
                ("township", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="predecessors", to="inspection.township",
                                               verbose_name="现乡镇（街道）")),
            ],
            options={
                "verbose_name": "区划沿革",
                "verbose_name_plural": "区划沿革",
                "ordering": ["township", "changed_on", "predecessor_code"],
                "constraints": [
                    models.UniqueConstraint(fields=("township", "predecessor_code"), name="township_lineage_unique"),
                    models.CheckConstraint(condition=models.Q(("predecessor_code__regex", "^[0-9]{9}([0-9]{3})?$")),
                                           name="lineage_code_9_or_12_digits"),
                ],
            },
        ),
    ]
