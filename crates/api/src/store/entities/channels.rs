use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for direct-message conversations.
    pub server_id: Option<Uuid>,
    /// `text`, `audio` or `video` (see `parley_shared::servers::ChannelKind`).
    pub kind: String,
    pub name: String,
    pub topic: Option<String>,
    pub position: i32,
    pub is_default: bool,
    pub last_seq: i64,
    pub created_at: DateTimeUtc,
    /// `low:high` user ids of a 1:1 conversation; unique.
    pub dm_key: Option<String>,
    /// Who created a group conversation (and may remove people from it).
    pub owner_id: Option<Uuid>,
    /// When the latest message was sent; conversations are listed by it.
    pub last_message_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::servers::Entity",
        from = "Column::ServerId",
        to = "super::servers::Column::Id",
        on_delete = "Cascade"
    )]
    Server,
}

impl Related<super::servers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Server.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
