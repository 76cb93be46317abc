use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel_id: Uuid,
    pub uploader_id: Uuid,
    /// The message that claimed it; `None` while it waits to be sent.
    pub message_id: Option<Uuid>,
    /// Its place among the message's attachments.
    pub position: i32,
    pub filename: String,
    /// Declared at the slot; the stored size once uploaded (re-encoded images may differ).
    pub size: i64,
    /// Detected from the bytes once uploaded; the declared type until then.
    pub content_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub has_thumbnail: bool,
    pub placeholder: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the bytes arrived; `None` while the slot is empty.
    pub uploaded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
