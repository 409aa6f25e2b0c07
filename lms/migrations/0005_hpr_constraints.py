from django.db import migrations, models


class Migration(migrations.Migration):
    """The database refuses any HPR number not in canonical form (own transaction, after the data)."""

    dependencies = [
        ("lms", "0004_hpr_canonical_and_verification"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('hpr_number__isnull', True), ('hpr_number__regex', '^[1-9][0-9]{6,8}$'), _connector='OR'), name='hpr_number_canonical'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('hpr_verified_at__isnull', True), ('hpr_number__isnull', False), _connector='OR'), name='hpr_verified_needs_number'),
        ),
    ]
