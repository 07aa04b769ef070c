//! The limits that servers and proxies in front of an app put on a Cookie
//! header, by name, so that the report can say which one a header passes.

use serde::Serialize;

/// What a server's limit measures of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measures {
    /// The Cookie header's value alone.
    Value,
    /// The header's line: `Cookie: ` and the value.
    FieldLine,
    /// The whole request head, of which the Cookie line (`Cookie: `, the
    /// value and CRLF) is only a part: passing it alone is sure to fail.
    Head,
}

/// One server's default limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServerLimit {
    pub server: &'static str,
    /// The setting and its default, as the server's documentation names it.
    pub setting: &'static str,
    pub limit: usize,
    pub measures: Measures,
    /// What the client gets past it.
    pub answer: &'static str,
}

/// Default limits of common servers, smallest first. nginx's was measured
/// (1.22: a value of 8182 bytes passes, 8183 is refused); the others are
/// their documented defaults.
pub const SERVER_LIMITS: [ServerLimit; 7] = [
    ServerLimit {
        server: "nginx",
        setting: "large_client_header_buffers 4 8k",
        limit: 8182,
        measures: Measures::Value,
        answer: "400 Request Header Or Cookie Too Large",
    },
    ServerLimit {
        server: "Apache httpd",
        setting: "LimitRequestFieldSize 8190",
        limit: 8190,
        measures: Measures::FieldLine,
        answer: "400 Bad Request",
    },
    ServerLimit {
        server: "Gunicorn",
        setting: "limit_request_field_size 8190",
        limit: 8190,
        measures: Measures::FieldLine,
        answer: "400 Bad Request",
    },
    ServerLimit {
        server: "Tomcat",
        setting: "maxHttpHeaderSize 8192",
        limit: 8192,
        measures: Measures::Head,
        answer: "400 Bad Request",
    },
    ServerLimit {
        server: "Node.js",
        setting: "--max-http-header-size 16384",
        limit: 16384,
        measures: Measures::Head,
        answer: "431 Request Header Fields Too Large",
    },
    ServerLimit {
        server: "AWS ALB",
        setting: "16 KB per header",
        limit: 16384,
        measures: Measures::FieldLine,
        answer: "400 Bad Request",
    },
    ServerLimit {
        server: "CloudFront",
        setting: "20 KB of request headers",
        limit: 20480,
        measures: Measures::Head,
        answer: "494 Request Header Too Large",
    },
];

impl ServerLimit {
    /// The bytes of a Cookie header of `value_bytes` this limit counts, at
    /// the least.
    pub fn counted(&self, value_bytes: usize) -> usize {
        match self.measures {
            Measures::Value => value_bytes,
            Measures::FieldLine => "Cookie: ".len() + value_bytes,
            Measures::Head => "Cookie: \r\n".len() + value_bytes,
        }
    }
}

/// Each server's limit against a Cookie header of `value_bytes`, with the
/// bytes it counts and whether the header passes it.
pub fn check(value_bytes: usize) -> Vec<serde_json::Value> {
    SERVER_LIMITS
        .iter()
        .map(|l| {
            let counted = l.counted(value_bytes);
            serde_json::json!({
                "server": l.server,
                "setting": l.setting,
                "limit": l.limit,
                "measures": l.measures,
                "counted_bytes": counted,
                "over": counted > l.limit,
                "answer": l.answer,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_what_each_server_measures() {
        let over = |bytes| -> Vec<String> {
            check(bytes)
                .iter()
                .filter(|l| l["over"] == true)
                .map(|l| l["server"].as_str().unwrap().to_owned())
                .collect()
        };
        assert!(over(8182).is_empty());
        // 8183 bytes pass nginx's buffer, Apache's and Gunicorn's field
        // (with `Cookie: `) and Tomcat's head (with CRLF too) at once.
        assert_eq!(over(8183), ["nginx", "Apache httpd", "Gunicorn", "Tomcat"]);
        assert_eq!(over(16374).len(), 4);
        assert_eq!(over(16375)[4], "Node.js");
        assert_eq!(over(16376).len(), 5);
        assert_eq!(over(16377)[5], "AWS ALB");
        assert_eq!(over(20470).len(), 6);
        assert_eq!(over(20471)[6], "CloudFront");
        let sorted: Vec<usize> = SERVER_LIMITS.iter().map(|l| l.limit).collect();
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    }
}
