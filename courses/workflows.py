"""What happens when a review workflow is approved (WAGTAIL_FINISH_WORKFLOW_ACTION)."""


def publish_approved(workflow_state, user=None):
    """Publish the revision that was reviewed, in the approver's name.

    Medical affairs hold no publish permission, so nobody can publish without review; the
    approval of a peer-review task (which refuses anyone who made the change) is what
    authorises publishing. The reviewed revision is published, never a later draft.
    """
    task_state = workflow_state.current_task_state
    revision = task_state.revision if task_state and task_state.revision_id else None
    revision = revision or workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
