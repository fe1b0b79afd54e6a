"""Who may write what: the write policy every record of the module follows.

Each model of the module inherits ``stock.accuracy.guarded`` and declares, in
:meth:`~StockAccuracyGuarded._accuracy_allowed_fields`, which fields the current user may write
on a record in its current state. Fields that are read-only, computed or related in their
definition, and those a model lists in ``_accuracy_system_fields``, belong to the system:
nobody writes them through the public ``create``/``write``. The module's own code writes them
through :meth:`~StockAccuracyGuarded._accuracy_internal`, the one internal path; finished
records (:meth:`~StockAccuracyGuarded._accuracy_is_finished`) refuse every change and deletion
but the superuser's.

The internal path is a context value JSON-RPC cannot produce: an instance of
:class:`InternalPath`, a ``str`` subclass (a context holding it still serialises), compared by
type, so a caller sending the same text gets a plain ``str`` and no pass.
"""

from odoo import SUPERUSER_ID, Command, api, models
from odoo.exceptions import AccessError, UserError

GUARD_KEY = "accuracy_internal_path"
# Fields of the mail mixins: their own models hold the rules (messages, followers, activities).
MAIL_PREFIXES = ("message_", "activity_", "website_message_")
MAIL_FIELDS = {"has_message", "rating_ids"}


class InternalPath(str):
    """Marks an environment as the module's own write path.

    Never equal to a plain ``str``: Odoo reuses an environment whose context compares equal, so
    a caller sending the same text must not make its context equal to the internal one (nor
    take the internal one's place).
    """

    __slots__ = ()

    def __eq__(self, other):
        return type(other) is type(self) and str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


INTERNAL = InternalPath("stock_accuracy")


def is_internal(env):
    """Whether ``env`` is on the module's own write path (or the superuser's)."""
    return type(env.context.get(GUARD_KEY)) is InternalPath or env.uid == SUPERUSER_ID


class StockAccuracyGuarded(models.AbstractModel):
    _name = "stock.accuracy.guarded"
    _description = "Write Policy of Inventory Accuracy Records"

    # Fields written by the module's own code only, beyond the read-only, computed and related
    # ones (those are the system's by their definition).
    _accuracy_system_fields = ()

    # -- the internal path ----------------------------------------------------------------------
    def _accuracy_internal(self):
        """These records on the module's own write path: the write policy does not apply."""
        return self.with_context(**{GUARD_KEY: INTERNAL})

    def _accuracy_on_internal_path(self):
        return is_internal(self.env)

    # -- the policy, declared per model ---------------------------------------------------------
    @api.model
    def _accuracy_system_fnames(self):
        cls = type(self)
        cached = cls.__dict__.get("_accuracy_system_fnames_cache")
        if cached is None:
            cached = frozenset(
                name
                for name, field in self._fields.items()
                if field.readonly
                or field.related
                or (field.compute and not field.inverse)
                or name in self._accuracy_system_fields
                or name in models.MAGIC_COLUMNS
            )
            cls._accuracy_system_fnames_cache = cached
        return cached

    def _accuracy_is_finished(self):
        """Whether this record is finished history (one record)."""
        return False

    def _accuracy_allowed_fields(self):
        """The fields the current user may write on this record now (one record, not
        finished). By default: Accuracy Managers, every field that is not the system's."""
        if self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            return set(self._fields) - self._accuracy_system_fnames()
        return set()

    def _accuracy_check_create_values(self, vals):
        """Refuse values the current user may not create a record with (one ``vals``)."""
        return

    def _accuracy_check_unlink(self):
        """Refuse deleting these records (not finished) for the current user."""
        return

    def _accuracy_refuse_unlink_used(self, used):
        """Refuse deleting ``used``, those of these records that history refers to (deleting
        them would empty or delete what history recorded)."""
        if used:
            raise AccessError(
                self.env._(
                    "%(records)s: the history of the inventory refers to them; archive them "
                    "instead of deleting them.",
                    records=", ".join(used[:5].mapped("display_name")),
                )
            )

    # -- enforcement ----------------------------------------------------------------------------
    @api.model
    def _accuracy_policy_fnames(self, fnames):
        return {
            name
            for name in fnames
            if not name.startswith(MAIL_PREFIXES) and name not in MAIL_FIELDS
        }

    def _accuracy_field_labels(self, fnames):
        return ", ".join(sorted(self._fields[f].string or f for f in fnames if f in self._fields))

    def _accuracy_check_write(self, fnames):
        if self._accuracy_on_internal_path():
            return
        fnames = self._accuracy_policy_fnames(fnames)
        if not fnames:
            return
        system = fnames & self._accuracy_system_fnames()
        if system:
            raise AccessError(
                self.env._(
                    "%(fields)s of %(model)s are recorded by the system: nobody changes them.",
                    fields=self._accuracy_field_labels(system),
                    model=self._description,
                )
            )
        for record in self:
            if record._accuracy_is_finished():
                raise UserError(
                    self.env._(
                        "%(record)s is finished history: it cannot be changed.",
                        record=record.display_name,
                    )
                )
            refused = fnames - record._accuracy_allowed_fields()
            if refused:
                raise AccessError(
                    self.env._(
                        "You may not change %(fields)s of %(record)s.",
                        fields=record._accuracy_field_labels(refused),
                        record=record.display_name,
                    )
                )

    @api.model
    def _accuracy_check_create(self, vals_list):
        if self._accuracy_on_internal_path():
            return
        system = self._accuracy_system_fnames()
        defaults = {
            key[len("default_") :]
            for key in self.env.context
            if key.startswith("default_") and key[len("default_") :] in system
        }
        for vals in vals_list:
            self._accuracy_refuse_new_system_values(
                (self._accuracy_policy_fnames(vals) & system) | defaults
            )
            self._accuracy_check_create_values(vals)
            self._accuracy_check_nested_creates(vals)

    @api.model
    def _accuracy_refuse_new_system_values(self, fnames):
        if fnames:
            raise AccessError(
                self.env._(
                    "%(fields)s of %(model)s are recorded by the system: a new record "
                    "cannot be given them.",
                    fields=self._accuracy_field_labels(fnames),
                    model=self._description,
                )
            )

    @api.model
    def _accuracy_check_nested_creates(self, vals):
        """The lines a new record is created with are judged as lines: a parent created on
        the internal path must not carry system values into its children."""
        for name, commands in vals.items():
            field = self._fields.get(name)
            if not (field and field.type == "one2many" and isinstance(commands, list | tuple)):
                continue
            comodel = self.env[field.comodel_name]
            if not isinstance(comodel, StockAccuracyGuarded):
                continue
            system = comodel._accuracy_system_fnames()
            for command in commands:
                if (
                    isinstance(command, list | tuple)
                    and command
                    and command[0] == Command.CREATE
                    and isinstance(command[2], dict)
                ):
                    comodel._accuracy_refuse_new_system_values(
                        comodel._accuracy_policy_fnames(command[2]) & system
                    )
                elif isinstance(command, list | tuple) and command and command[0] != Command.CREATE:
                    raise AccessError(
                        self.env._(
                            "A new %(model)s starts with new lines only.",
                            model=self._description,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        self._accuracy_check_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._accuracy_check_write(set(vals))
        return super().write(vals)

    def unlink(self):
        if not self._accuracy_on_internal_path():
            finished = self.filtered(lambda r: r._accuracy_is_finished())
            if finished:
                raise UserError(
                    self.env._(
                        "%(records)s: finished history cannot be deleted.",
                        records=", ".join(finished[:5].mapped("display_name")),
                    )
                )
            self._accuracy_check_unlink()
        return super().unlink()
