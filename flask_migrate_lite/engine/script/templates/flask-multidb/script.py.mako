"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from flask_migrate_lite import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by the migration engine.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()
<%
    # '' is the default database; the other names are the SQLALCHEMY_BINDS keys, which
    # the command passes in as bind_names.
    db_names = [''] + [name for name in (bind_names or []) if name]
%>\
% for db_name in db_names:


def upgrade_${db_name}():
    ${context.get("%s_upgrades" % db_name) or "pass"}


def downgrade_${db_name}():
    ${context.get("%s_downgrades" % db_name) or "pass"}
% endfor
