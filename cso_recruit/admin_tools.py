"""Admin helpers shared by the apps."""


class ReadOnlyAdminMixin:
    """For rows written by the services and the tasks only: the admin views and searches them."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
