"""On PostgreSQL the database itself refuses to change or delete audit rows (a trigger), so not even
SQL run behind Django's back can quietly edit the trail. Compliance officers may read and export it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % refused on audit_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def compliance_reads_the_trail(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    compliance = Group.objects.filter(name="Compliance officer").first()
    if compliance is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="audit", model="auditevent")
    for codename, name in (
        ("view_auditevent", "Can view audit event"),
        ("export_auditevent", "Can export the audit trail"),
    ):
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        compliance.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_trail"),
        ("lms", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(compliance_reads_the_trail, migrations.RunPython.noop),
    ]
