//! IAM, EC2 and Auto Scaling answer in XML. This turns a response into the JSON the AWS CLI
//! prints for it, driven by the services' own models (`query-model.json`, from botocore by
//! `scripts/extract-query-model.py`): element names, lists and scalar types come from the model, so
//! no field is mapped by hand and none is dropped.

use serde_json::{Map, Value};
use std::sync::OnceLock;

fn model() -> &'static Value {
    static MODEL: OnceLock<Value> = OnceLock::new();
    MODEL.get_or_init(|| {
        serde_json::from_str(include_str!("query-model.json")).unwrap_or(Value::Null)
    })
}

/// Converts the XML body of `operation` (`iam:GetAccountAuthorizationDetails`) to CLI JSON.
pub fn to_json(operation: &str, xml: &[u8]) -> Result<Value, String> {
    let text =
        std::str::from_utf8(xml).map_err(|e| format!("{operation}: response is not UTF-8: {e}"))?;
    let document = roxmltree::Document::parse(text)
        .map_err(|e| format!("{operation}: response is not XML: {e}"))?;
    let spec = &model()["operations"][operation];
    let shape = spec["shape"]
        .as_str()
        .ok_or_else(|| format!("{operation}: not in the query model"))?;
    let mut node = document.root_element();
    // The query protocol wraps the result (`<GetRoleResult>`); EC2's does not.
    if let Some(wrapper) = spec["wrapper"].as_str() {
        node = node
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == wrapper)
            .ok_or_else(|| format!("{operation}: no <{wrapper}> in the response"))?;
    }
    Ok(convert(node, shape))
}

fn elements<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn convert(node: roxmltree::Node<'_, '_>, shape_name: &str) -> Value {
    let shape = &model()["shapes"][shape_name];
    let text = || node.text().unwrap_or("").trim().to_string();
    match shape["type"].as_str().unwrap_or("string") {
        "structure" => {
            let mut object = Map::new();
            for (member, spec) in shape["members"].as_object().into_iter().flatten() {
                let (Some(member_shape), Some(xml_name)) = (spec[0].as_str(), spec[1].as_str())
                else {
                    continue;
                };
                if let Some(child) = elements(node, xml_name).next() {
                    object.insert(member.clone(), convert(child, member_shape));
                }
            }
            Value::Object(object)
        }
        "list" => {
            let member = shape["member"].as_str().unwrap_or_default();
            let item = shape["item"].as_str().unwrap_or("member");
            Value::Array(
                elements(node, item)
                    .map(|child| convert(child, member))
                    .collect(),
            )
        }
        "map" => {
            let value_shape = shape["value"].as_str().unwrap_or_default();
            let mut object = Map::new();
            for entry in elements(node, "entry") {
                let key = elements(entry, "key")
                    .next()
                    .and_then(|k| k.text())
                    .unwrap_or("")
                    .to_string();
                if let Some(value) = elements(entry, "value").next() {
                    object.insert(key, convert(value, value_shape));
                }
            }
            Value::Object(object)
        }
        "boolean" => Value::Bool(text() == "true"),
        "integer" | "long" => text().parse::<i64>().map_or(Value::Null, Value::from),
        "double" | "float" => text()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        _ => {
            let text = text();
            // IAM policy documents arrive URL-encoded; the CLI prints them decoded.
            if shape_name.to_ascii_lowercase().contains("policydocument")
                && let Some(document) =
                    crate::model::iam::decode_document(&Value::String(text.clone()))
            {
                return document;
            }
            Value::String(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_items_and_location_names() {
        let xml = br#"<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
            <requestId>r</requestId>
            <subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><availabilityZone>eu-west-1a</availabilityZone>
              <mapPublicIpOnLaunch>false</mapPublicIpOnLaunch><availableIpAddressCount>250</availableIpAddressCount>
              <tagSet><item><key>Name</key><value>private</value></item></tagSet></item></subnetSet></DescribeSubnetsResponse>"#;
        let json = to_json("ec2:DescribeSubnets", xml).unwrap();
        let subnet = &json["Subnets"][0];
        assert_eq!(subnet["SubnetId"], "subnet-1");
        assert_eq!(subnet["MapPublicIpOnLaunch"], false);
        assert_eq!(subnet["AvailableIpAddressCount"], 250);
        assert_eq!(subnet["Tags"][0]["Value"], "private");
    }

    #[test]
    fn iam_result_wrapper_members_and_decoded_policies() {
        let xml = br#"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>
            <IsTruncated>false</IsTruncated>
            <RoleDetailList><member><RoleName>web</RoleName><Arn>arn:aws:iam::1:role/web</Arn>
              <AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument>
              <RolePolicyList><member><PolicyName>p</PolicyName><PolicyDocument>%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D</PolicyDocument></member></RolePolicyList>
            </member></RoleDetailList></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>"#;
        let json = to_json("iam:GetAccountAuthorizationDetails", xml).unwrap();
        assert_eq!(json["IsTruncated"], false);
        let role = &json["RoleDetailList"][0];
        assert_eq!(role["RoleName"], "web");
        assert_eq!(
            role["AssumeRolePolicyDocument"],
            serde_json::json!({"Statement": []})
        );
        assert_eq!(
            role["RolePolicyList"][0]["PolicyDocument"]["Statement"]["Action"],
            "*"
        );
    }

    #[test]
    fn bad_xml_is_an_error() {
        assert!(to_json("ec2:DescribeSubnets", b"<oops").is_err());
        assert!(to_json("nope:Nothing", b"<a/>").is_err());
    }
}
