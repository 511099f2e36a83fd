"""ssexplain: plain-language, cited answers about superficial siderosis."""
