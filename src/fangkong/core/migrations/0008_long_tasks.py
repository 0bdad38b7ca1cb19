from django.db import migrations, models


class Migration(migrations.Migration):
    """Background exports become long tasks of any kind (an export, an import commit, a solve)."""

    dependencies = [
        ("core", "0007_export_tasks"),
    ]

    operations = [
        migrations.RenameModel(old_name="ExportTask", new_name="LongTask"),
        migrations.AlterModelOptions(
            name="longtask",
            options={"ordering": ["-created_at"], "verbose_name": "后台任务", "verbose_name_plural": "后台任务"},
        ),
        migrations.AddField(
            model_name="longtask",
            name="kind",
            field=models.CharField(default="core.export", max_length=30, verbose_name="类型"),
        ),
        migrations.AddField(
            model_name="longtask",
            name="title",
            field=models.CharField(blank=True, max_length=200, verbose_name="标题"),
        ),
        migrations.AddField(
            model_name="longtask",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="参数"),
        ),
        migrations.AddField(
            model_name="longtask",
            name="link",
            field=models.CharField(blank=True, max_length=200, verbose_name="结果链接"),
        ),
        migrations.AddField(
            model_name="longtask",
            name="result",
            field=models.JSONField(blank=True, default=dict, verbose_name="结果"),
        ),
        migrations.AlterField(
            model_name="longtask",
            name="slug",
            field=models.CharField(blank=True, max_length=40, verbose_name="格式"),
        ),
        migrations.AlterField(
            model_name="longtask",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "排队中"),
                    ("running", "进行中"),
                    ("done", "已完成"),
                    ("failed", "失败"),
                    ("expired", "已过期删除"),
                ],
                default="queued",
                max_length=10,
                verbose_name="状态",
            ),
        ),
    ]
