"""Changes to the directory. Each sends its signal after commit."""

from django.db import transaction
from django.utils import timezone

from . import signals
from .models import LearnerProfile


def user_record_first_login(*, user_id: int, at=None) -> bool:
    """Record the first login of a user, once. Returns True when this was the first."""
    at = at or timezone.now()
    with transaction.atomic():
        LearnerProfile.objects.get_or_create(user_id=user_id)
        updated = LearnerProfile.objects.filter(user_id=user_id, first_login_at__isnull=True).update(first_login_at=at)
        if updated:
            transaction.on_commit(lambda: signals.first_login.send(sender=LearnerProfile, user_id=user_id))
    return bool(updated)


def tree_node_save(*, node):
    """Save an organisation or position, keeping its materialised path and its subtree's right.

    Moving a node rewrites the paths of everything below it in one UPDATE.
    """
    model = type(node)
    with transaction.atomic():
        old_path = None
        if node.pk:
            old_path = model.objects.filter(pk=node.pk).values_list("path", flat=True).first()
        if node.parent_id:
            parent = model.objects.select_for_update().get(pk=node.parent_id)
            if old_path and parent.path.startswith(old_path):
                raise ValueError("A node cannot be moved below itself.")
            prefix, depth = parent.path, parent.depth + 1
        else:
            prefix, depth = "/", 1
        if not node.pk:
            node.path, node.depth = "", depth
            node.save()
        new_path = f"{prefix}{node.pk}/"
        node.path, node.depth = new_path, depth
        node.save()
        if old_path and old_path != new_path:
            from django.db.models import F, Value
            from django.db.models.functions import Concat, Length, Substr

            old_depth = old_path.count("/") - 1
            model.objects.filter(path__startswith=old_path).exclude(pk=node.pk).update(
                path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
                depth=F("depth") + (depth - old_depth),
            )
    return node
