"""What happens when a review workflow is approved (WAGTAIL_FINISH_WORKFLOW_ACTION)."""


def publish_approved(workflow_state, user=None):
    """Publish the approved revision in the approver's name.

    Medical affairs hold no publish permission, so nobody can publish without review; the
    approval of a peer-review task (which refuses the submitter) is what authorises publishing.
    """
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
